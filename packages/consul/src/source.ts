/** The package name that prefixes every error message this adapter raises: `[@election/consul] …`. */
export const SOURCE = '@election/consul';
