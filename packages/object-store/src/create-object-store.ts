import { createLocalObjectStore, type LocalObjectStoreOptions } from "./object-store.local.ts";
import { createS3ObjectStore, type S3ObjectStoreOptions } from "./object-store.s3.ts";
import type { ObjectStore } from "./object-store.ts";

/** What main.ts builds from its configuration: a local directory (the default) or an S3 bucket. */
export type ObjectStoreConfig = ({ kind: "local" } & LocalObjectStoreOptions) | ({ kind: "s3" } & S3ObjectStoreOptions);

export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  switch (config.kind) {
    case "local": {
      const { kind: _, ...options } = config;
      return createLocalObjectStore(options);
    }
    case "s3": {
      const { kind: _, ...options } = config;
      return createS3ObjectStore(options);
    }
  }
}
