import { z } from 'zod';

/** TLS settings as file paths; the connection code reads the files. */
export interface TemporalTlsConfig {
  /** Client certificate (PEM) for mTLS; comes with keyPath. */
  certPath?: string;
  /** Client private key (PEM) for mTLS; comes with certPath. */
  keyPath?: string;
  /** CA bundle (PEM) that signed the server's certificate; default: the system's roots. */
  caPath?: string;
  /** Name to verify the server's certificate against, when it differs from the address' host. */
  serverName?: string;
}

/** Where and how to reach Temporal. */
export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Present when the connection uses TLS; `{}` means TLS with the system's roots. */
  tls?: TemporalTlsConfig;
  /** Temporal Cloud API key; implies TLS. A secret: never log it. */
  apiKey?: string;
}

/** How long to wait for Temporal to answer before giving up; both connections' option. */
export interface ConnectOptions {
  /** Default 10 s. */
  connectTimeoutMs?: number;
}

/** The TLS settings both SDK connections take (the client's and the worker's TLSConfig), with the PEM files' contents. */
export interface TlsFiles {
  serverNameOverride?: string;
  serverRootCACertificate?: Uint8Array;
  clientCertPair?: { crt: Uint8Array; key: Uint8Array };
}

/**
 * The connection's TLS settings from the configured file paths, each file read now with
 * `readFile` (the caller's, e.g. node:fs readFileSync); `undefined` means plain text. A file that
 * cannot be read is an Error naming the file and the variable it came from.
 */
export function readTlsFiles(tls: TemporalTlsConfig | undefined, readFile: (path: string) => Uint8Array): TlsFiles | undefined {
  if (!tls) return undefined;
  const read = (file: string, what: string): Uint8Array => {
    try {
      return readFile(file);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
    }
  };
  const config: TlsFiles = {};
  if (tls.serverName) config.serverNameOverride = tls.serverName;
  if (tls.caPath) config.serverRootCACertificate = read(tls.caPath, 'CA certificate (TEMPORAL_TLS_CA)');
  if (tls.certPath && tls.keyPath) {
    config.clientCertPair = {
      crt: read(tls.certPath, 'client certificate (TEMPORAL_TLS_CERT)'),
      key: read(tls.keyPath, 'client key (TEMPORAL_TLS_KEY)'),
    };
  }
  return config;
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';
export const DEFAULT_TASK_QUEUE = 'rampart';

/** Unset and empty (or blank) variables are the same: absent. */
const optionalText = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z.string().optional(),
);

// host:port, where host is a DNS name, an IPv4 address or a bracketed IPv6 address.
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const addressSchema = z
  .string()
  .trim()
  .refine(
    (text) => {
      const match = ADDRESS.exec(text);
      const port = match ? Number(match[2]) : 0;
      return port >= 1 && port <= 65535;
    },
    { message: 'expected host:port such as "127.0.0.1:7233" or "my-ns.a1b2c.tmprl.cloud:7233"' },
  );

const namespaceSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'expected a namespace name such as "default" or "rampart.a1b2c"');

const taskQueueSchema = z
  .string()
  .trim()
  .min(1)
  .max(255, 'expected at most 255 characters')
  .refine((text) => !/\s/.test(text), { message: 'must not contain whitespace' });

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((text) => ['true', 'false', '1', '0', 'yes', 'no'].includes(text), {
    message: 'expected true or false',
  })
  .transform((text) => text === 'true' || text === '1' || text === 'yes');

const envSchema = z
  .object({
    TEMPORAL_ADDRESS: optionalText.pipe(addressSchema.optional()),
    TEMPORAL_NAMESPACE: optionalText.pipe(namespaceSchema.optional()),
    RAMPART_TASK_QUEUE: optionalText.pipe(taskQueueSchema.optional()),
    TEMPORAL_TLS: optionalText.pipe(booleanText.optional()),
    TEMPORAL_TLS_CERT: optionalText,
    TEMPORAL_TLS_KEY: optionalText,
    TEMPORAL_TLS_CA: optionalText,
    TEMPORAL_TLS_SERVER_NAME: optionalText,
    TEMPORAL_API_KEY: optionalText,
  })
  .superRefine((env, ctx) => {
    if (env.TEMPORAL_TLS_CERT !== undefined && env.TEMPORAL_TLS_KEY === undefined) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'is required when TEMPORAL_TLS_CERT is set' });
    }
    if (env.TEMPORAL_TLS_KEY !== undefined && env.TEMPORAL_TLS_CERT === undefined) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CERT'], message: 'is required when TEMPORAL_TLS_KEY is set' });
    }
    const tlsFiles = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const;
    if (env.TEMPORAL_TLS === false) {
      for (const name of tlsFiles) {
        if (env[name] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'cannot be used with TEMPORAL_TLS=false' });
        }
      }
    }
  });

/** Bad Temporal settings; the message names each variable and what it expects (never its value). */
export class TemporalConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Temporal settings: ${problems.join('; ')}`);
    this.name = 'TemporalConfigError';
  }
}

/**
 * Reads the standard Temporal variables:
 *
 * | variable | default |
 * |---|---|
 * | TEMPORAL_ADDRESS | 127.0.0.1:7233 |
 * | TEMPORAL_NAMESPACE | default |
 * | RAMPART_TASK_QUEUE | rampart |
 * | TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY | client certificate and key files (mTLS), both or neither |
 * | TEMPORAL_TLS_CA | CA file for the server's certificate (default: system roots) |
 * | TEMPORAL_TLS_SERVER_NAME | name to verify the server's certificate against |
 * | TEMPORAL_API_KEY | API key (Temporal Cloud); implies TLS |
 * | TEMPORAL_TLS | true: TLS with system roots even without the above; false: plain text (e.g. an API key through a local proxy) |
 *
 * Any TLS variable turns TLS on. Empty variables count as unset. Throws TemporalConfigError.
 */
export function temporalConfigFromEnv(env: Record<string, string | undefined>): TemporalConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new TemporalConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}${formatMessage(issue.message)}`),
    );
  }
  const vars = parsed.data;
  const config: TemporalConfig = {
    address: vars.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: vars.TEMPORAL_NAMESPACE ?? DEFAULT_TEMPORAL_NAMESPACE,
    taskQueue: vars.RAMPART_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  };
  const tls: TemporalTlsConfig = {};
  if (vars.TEMPORAL_TLS_CERT !== undefined) tls.certPath = vars.TEMPORAL_TLS_CERT;
  if (vars.TEMPORAL_TLS_KEY !== undefined) tls.keyPath = vars.TEMPORAL_TLS_KEY;
  if (vars.TEMPORAL_TLS_CA !== undefined) tls.caPath = vars.TEMPORAL_TLS_CA;
  if (vars.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverName = vars.TEMPORAL_TLS_SERVER_NAME;
  const wantsTls =
    vars.TEMPORAL_TLS ?? (Object.keys(tls).length > 0 || vars.TEMPORAL_API_KEY !== undefined);
  if (wantsTls) config.tls = tls;
  if (vars.TEMPORAL_API_KEY !== undefined) config.apiKey = vars.TEMPORAL_API_KEY;
  return config;
}

/** zod's messages start with a capital ("Invalid input"); after a variable name read them as a clause. */
function formatMessage(message: string): string {
  return /^(is|must|cannot)\b/.test(message) ? ` ${message}` : `: ${message}`;
}
