/**
 * A signing secret by the name a fleet or customers file gives for it (`secretEnv`), looked up
 * when it is needed; undefined when this worker has none by that name. The worker decides where
 * secrets come from (its environment); they never travel in workflow arguments.
 */
export type SecretLookup = (name: string) => string | undefined;
