// The module helpers as live functions, by the name generated code gives them.
import * as helpers from './helpers.js';
import type { HelperName } from './helper-sources.js';

export const HELPER_FUNCTIONS: Readonly<Record<HelperName, (...args: never[]) => unknown>> = helpers;
