/** The package name that prefixes every error message this adapter raises: `[@election/etcd] …`. */
export const SOURCE = '@election/etcd';
