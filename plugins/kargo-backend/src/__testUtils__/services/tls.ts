import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let certificate: { key: string; cert: string } | undefined;

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI once per run. */
export function selfSignedCertificate(): { key: string; cert: string } {
  if (!certificate) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'test-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
      ],
      { stdio: 'ignore' },
    );
    certificate = {
      key: readFileSync(`${dir}/key.pem`, 'utf8'),
      cert: readFileSync(`${dir}/cert.pem`, 'utf8'),
    };
    rmSync(dir, { recursive: true, force: true });
  }
  return certificate;
}
