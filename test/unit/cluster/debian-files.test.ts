import { describe, expect, it } from 'vitest';
import { DebianClusterError, parseDebianConfFile, parsePgCtlOptions, parseStartConf } from '../../../src/cluster/index.js';

// The texts are postgresql-common's own (pg_createcluster writes these three files), and the
// rules are PgCommon.pm's read_conf_file and get_cluster_start_conf.
const startConf = `# Automatic startup configuration
#   auto: automatically start the cluster
#   manual: manual startup with pg_ctlcluster/postgresql@.service only
#   disabled: refuse to start cluster
# See pg_createcluster(1) for details. When running from systemd,
# invoke 'systemctl daemon-reload' after editing this file.

auto
`;

describe('parseStartConf', () => {
  it('the first mode line counts; no file or no line is auto', () => {
    expect(parseStartConf(startConf)).toBe('auto');
    expect(parseStartConf(startConf.replace(/^auto$/m, 'manual # by hand'))).toBe('manual');
    expect(parseStartConf('  disabled\nauto\n')).toBe('disabled');
    expect(parseStartConf('# nothing\n\n')).toBe('auto');
    expect(parseStartConf(null)).toBe('auto');
  });

  it('another word is DEBIAN_FILE_INVALID with the file and line', () => {
    const error = (() => {
      try {
        parseStartConf('# x\nsometimes\n', '/etc/postgresql/15/main/start.conf');
      } catch (caught) {
        return caught;
      }
    })() as DebianClusterError;
    expect(error).toBeInstanceOf(DebianClusterError);
    expect(error).toMatchObject({ code: 'DEBIAN_FILE_INVALID', path: '/etc/postgresql/15/main/start.conf', line: 2 });
  });
});

describe('parseDebianConfFile', () => {
  it('reads quoted and simple values; keys of environment keep their case, those of a .conf are lowercased', () => {
    const environment = `# environment variables for postgres processes
# This file has the same syntax as postgresql.conf:
#  VARIABLE = simple_value
#  VARIABLE2 = 'any value!'
TZ = 'Europe/Berlin'
KRB5_KTNAME=FILE:/etc/x.keytab
QUOTED = 'it''s \\'here\\''   # comment
`;
    expect(parseDebianConfFile(environment, '/etc/postgresql/15/main/environment')).toEqual({ TZ: 'Europe/Berlin', KRB5_KTNAME: 'FILE:/etc/x.keytab', QUOTED: "it's 'here'" });
    expect(parseDebianConfFile("Pg_Ctl_Options = '-t 30'\n", 'pg_ctl.conf')).toEqual({ pg_ctl_options: '-t 30' });
  });

  it('a line of another shape is DEBIAN_FILE_INVALID (pg_ctlcluster errors out on it too)', () => {
    expect(() => parseDebianConfFile('A = $(rm -rf /)\n', 'environment')).toThrow(DebianClusterError);
    // As in PgCommon.pm, a simple value starts with a letter or digit: a path must be quoted.
    expect(() => parseDebianConfFile('A=/etc/x\n', 'environment')).toThrow(DebianClusterError);
    expect(() => parseDebianConfFile('ok = 1\nnot a line at all\n', 'environment')).toThrow('Invalid line 2 in environment: not a line at all');
  });
});

describe('parsePgCtlOptions', () => {
  it('the empty default', () => {
    expect(parsePgCtlOptions('')).toEqual({ settings: {}, timeout: null, words: [] });
  });

  it('-o settings in the forms postgres takes, -t in seconds, the harmless flags', () => {
    expect(parsePgCtlOptions('-w -t 30 -o -cwork_mem=8MB --options=--shared-buffers=64MB -s -c')).toEqual({
      settings: { work_mem: '8MB', shared_buffers: '64MB' },
      timeout: 30_000,
      words: ['-w', '-t', '30', '-o', '-cwork_mem=8MB', '--options=--shared-buffers=64MB', '-s', '-c'],
    });
    expect(parsePgCtlOptions('-t60 -o-cfsync=off').settings).toEqual({ fsync: 'off' });
  });

  it('split at white space as pg_ctlcluster does: quotes are not special', () => {
    expect(() => parsePgCtlOptions('-o "-c work_mem=8MB"')).toThrow(DebianClusterError);
  });

  it.each(['-l /tmp/log', '-D /elsewhere', '-o -N100', '-t soon', '-o', '--mode=fast'])('%s is PG_CTL_OPTION_UNSUPPORTED', (text) => {
    expect(() => parsePgCtlOptions(text)).toThrow(expect.objectContaining({ code: 'PG_CTL_OPTION_UNSUPPORTED' }));
  });
});
