// The contract between the checker and the code a loss runs as: the keys of a loss's options
// object that are lossc's own. The checker refuses hyperparameters named like them; the
// lowering reads them. Both import this file, and nothing else of each other.

/** Keys every generated loss reads from its options object besides the loss's own. */
export const LOSSC_OPTION_KEYS: readonly string[] = ['reduction', 'weights', 'checkFinite', 'checkValues', 'blockRows'];

/**
 * Keys no option may have: lossc's own, and those every JavaScript object inherits (an
 * unset `toString` option would read as a function, `{}` would not type-check as the
 * options, and `__proto__` cannot be a plain key of an object literal at all).
 */
export const OPTION_KEYS: readonly string[] = [
  ...LOSSC_OPTION_KEYS,
  'constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf',
  '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
];
