import { isAbsolute, join } from 'node:path';

/** Where a server listens, as its settings say (`cluster.address()`). */
export interface ClusterAddress {
  /** The first socket directory, else the first TCP address as a client writes it (`*` → `localhost`); null when neither is set. */
  host: string | null;
  port: number;
  /** The first socket directory, when there is one. */
  socketDirectory?: string;
  /** Every `unix_socket_directories` entry, relative ones made absolute against the data directory. */
  socketDirectories: string[];
  /** Every `listen_addresses` entry, as written (`*`, `0.0.0.0`, `::`, host names). */
  listenAddresses: string[];
}

/** The values address() reads: each as the server would see it, or undefined when nothing sets it. */
export interface AddressSettings {
  port?: string | undefined;
  listen_addresses?: string | undefined;
  unix_socket_directories?: string | undefined;
}

/** The server's own defaults: port 5432, `localhost`, and the installation's compiled-in socket directory. */
export interface AddressDefaults {
  port: number;
  listenAddresses: string;
  socketDirectories: string;
}

/**
 * The address a server with these settings listens on. Lists are split as the server splits
 * them (commas, surrounding spaces, double quotes around an entry); an abstract socket
 * (`@name`, Linux) is kept as written.
 */
export function resolveClusterAddress(settings: AddressSettings, defaults: AddressDefaults, dataDirectory: string): ClusterAddress {
  const port = settings.port === undefined ? defaults.port : Number(settings.port);
  const listenAddresses = splitServerList(settings.listen_addresses ?? defaults.listenAddresses);
  const socketDirectories = splitServerList(settings.unix_socket_directories ?? defaults.socketDirectories).map((folder) =>
    folder.startsWith('@') || isAbsolute(folder) ? folder : join(dataDirectory, folder),
  );
  const socketDirectory = socketDirectories[0];
  const tcp = listenAddresses[0];
  const host = socketDirectory ?? (tcp === undefined ? null : clientHostFor(tcp));
  return { host, port, ...(socketDirectory !== undefined ? { socketDirectory } : {}), socketDirectories, listenAddresses };
}

/** `a, "b c",d` → `['a', 'b c', 'd']`: the server's SplitIdentifierString / SplitDirectoriesString, without case folding. */
export function splitServerList(value: string): string[] {
  const items: string[] = [];
  let rest = value;
  while (rest.trim() !== '') {
    rest = rest.replace(/^\s+/, '');
    let item: string;
    if (rest.startsWith('"')) {
      let end = 1;
      let text = '';
      while (end < rest.length) {
        if (rest[end] === '"' && rest[end + 1] === '"') (text += '"', (end += 2));
        else if (rest[end] === '"') break;
        else text += rest[end++];
      }
      item = text;
      rest = rest.slice(end + 1);
    } else {
      const comma = rest.indexOf(',');
      item = (comma === -1 ? rest : rest.slice(0, comma)).trim();
      rest = comma === -1 ? '' : rest.slice(comma);
    }
    if (item !== '') items.push(item);
    rest = rest.replace(/^\s*,?/, '');
  }
  return items;
}

/** The host a client connects to for a listen address: a wildcard means this machine. */
export function clientHostFor(address: string): string {
  if (address === '*' || address === '0.0.0.0') return 'localhost';
  if (address === '::') return '::1';
  return address;
}
