// The names of the module helpers (src/runtime/helpers.ts), in the order a generated module
// defines them. Kept apart from the helpers themselves, which import tfjs: the lowering and
// the emitter need the names, not the code.

export const HELPER_NAMES = ['oneHotReal', 'takeAlongLast', 'noGrad', 'log1p', 'valueKind', 'nanAt', 'nonFinite'] as const;

export type HelperName = (typeof HELPER_NAMES)[number];
