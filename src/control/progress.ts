import { expected } from '../errors.js';

/**
 * A step of a slow operation, as it starts: a cold template build, an initdb, a copy, a
 * certificate. For a command line to show on a terminal; the library itself prints nothing.
 */
export interface ProgressEvent {
  step: 'initdb' | 'template' | 'copy' | 'certificate' | 'start';
  /** One line for people, e.g. `running initdb for /path/data`. */
  message: string;
}

/** What receives {@link ProgressEvent}s: the `onProgress` option of init(), the template cache and createTemporaryCluster(). */
export type ProgressListener = (event: ProgressEvent) => void;

/** Checks an `onProgress` option: a function or undefined. */
export function validateProgressListener(onProgress: unknown): asserts onProgress is ProgressListener | undefined {
  if (onProgress !== undefined && typeof onProgress !== 'function') throw expected('onProgress', 'a function', onProgress);
}
