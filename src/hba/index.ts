export { HbaFile, type HbaInsertOptions, type HbaParseOptions, type HbaPattern } from './hba-file.js';
export {
  HBA_CONNECTION_TYPES, HBA_METHODS, type HbaConnectionType, type HbaDiagnostic, type HbaDiagnosticCode, type HbaFileRule,
  type HbaInclude, type HbaRule, type HbaRuleInput,
} from './hba-rule.js';
export { type AuthSetDiagnostic, type ReadAuthFileSetOptions } from './auth-file-set.js';
export { type HbaFileSet, type HbaSetEntry, type HbaSetRule, readHbaFileSet, type ReadHbaFileSetOptions } from './hba-file-set.js';
export { type IdentFileSet, type IdentSetEntry, type IdentSetMapping, readIdentFileSet } from './ident-file-set.js';
export { type MatchOptions } from './entry-pattern.js';
export { InvalidHbaRuleError } from './invalid-hba-rule-error.js';
export { HbaRuleNotFoundError } from './hba-rule-not-found-error.js';
export { HbaIndexError } from './hba-index-error.js';
export { AuthFileChangedError } from './auth-file-changed-error.js';
export { matchRule, type HbaConnection, type HbaMatch, type HbaQuestion, type MatchRuleOptions } from './hba-match.js';
export { IdentFile, type IdentFileMapping, type IdentMappingInput, type IdentParseOptions, type IdentPattern } from './ident-file.js';
export { type IdentMapping } from './ident-record.js';
export { InvalidIdentMappingError } from './invalid-ident-mapping-error.js';
export { AuthFileEncodingError } from './auth-file-encoding-error.js';
export { type AuthFileEncoding, type AuthSaveOptions } from './auth-file-io.js';
