/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: a throw-away certificate authority and a server certificate
 * for 127.0.0.1 / localhost, made with the `openssl` command line at start-up (node's crypto cannot issue X.509
 * certificates). Clients trust the CA through `caData`, as they trust a real cluster's CA.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM-encoded CA certificate, server key and server certificate (signed by the CA). */
export interface TlsMaterial {
  caPem: string;
  keyPem: string;
  certPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the Kubernetes API double needs the openssl command line for its certificates: ${message}`,
    );
  }
}

const EC_KEY = [
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
];

async function newCa(dir: string, commonName: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '7',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kubernetes-api-double-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A new CA and a server certificate for `127.0.0.1` and `localhost` that it signed. */
export function generateTlsMaterial(): Promise<TlsMaterial> {
  return inTempDir(async dir => {
    await newCa(dir, 'kubernetes-api-double-ca');
    await openssl(
      [
        'req',
        ...EC_KEY,
        '-keyout',
        'server.key',
        '-out',
        'server.csr',
        '-subj',
        '/CN=kube-apiserver',
      ],
      dir,
    );
    await writeFile(
      path.join(dir, 'server.ext'),
      [
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
      ].join('\n'),
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.crt',
        '-days',
        '7',
        '-extfile',
        'server.ext',
      ],
      dir,
    );
    const read = (name: string) => readFile(path.join(dir, name), 'utf8');
    return {
      caPem: await read('ca.crt'),
      keyPem: await read('server.key'),
      certPem: await read('server.crt'),
    };
  });
}

/** Another CA's certificate, unrelated to any server: what a client configured with the wrong CA trusts. */
export function generateUnrelatedCaPem(): Promise<string> {
  return inTempDir(async dir => {
    await newCa(dir, 'unrelated-ca');
    return readFile(path.join(dir, 'ca.crt'), 'utf8');
  });
}
