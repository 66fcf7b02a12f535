/** Prefix of every error this package raises: `[@election/testing] …`. */
export const SOURCE = '@election/testing';
