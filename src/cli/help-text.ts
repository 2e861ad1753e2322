import type { CliCommand } from './cli-command.js';

/** `pg-cluster --help`: the commands and their summaries. */
export function formatMainHelp(commands: readonly CliCommand[], defaultCommand: string): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: pg-cluster [command] [options]',
    '',
    'Find PostgreSQL installations and run PostgreSQL clusters.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}${command.name === defaultCommand ? ' (the default)' : ''}`),
    '',
    'Options:',
    '  -h, --help     Show help; `pg-cluster <command> --help` for a command',
    '  -V, --version  Print the version of pg-cluster',
    '',
  ].join('\n');
}

/** `pg-cluster <command> --help`: its usage line and options. */
export function formatCommandHelp(command: CliCommand): string {
  const options = [
    ...command.options.map((option) => ({
      flags: `${option.short ? `-${option.short}, ` : '    '}--${option.name}${option.type === 'string' ? ` <${option.value ?? 'value'}>` : ''}`,
      description: option.description,
    })),
    { flags: '-h, --help', description: 'Show this help' },
  ];
  const width = Math.max(...options.map((option) => option.flags.length));
  return [
    `Usage: pg-cluster ${command.name}${command.usage ? ` ${command.usage}` : ''}`,
    '',
    command.summary,
    '',
    'Options:',
    ...options.map((option) => `  ${option.flags.padEnd(width)}  ${option.description}`),
    '',
  ].join('\n');
}
