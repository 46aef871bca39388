import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { goQuote } from '../stepHelpers/goFormat';
import { sendHttpRequest } from '../stepHelpers/httpTransport';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { goDurationField } from '../stepHelpers/pullRequestCommon';
import { messageOf, workDirErrorMessage } from '../stepHelpers/stepConfig';
import { buildUrl } from './http';

const nameValueSchema = z
  .object({ name: z.string().min(1), value: z.string().min(1) })
  .strict();

/** Kargo's `HTTPDownloadConfig` (schemas/http-download-config.json). */
const httpDownloadConfigSchema = z
  .object({
    url: z.string().min(1),
    outPath: z.string().min(1),
    allowOverwrite: z.boolean().optional(),
    headers: z.array(nameValueSchema).optional(),
    queryParams: z.array(nameValueSchema).optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
    timeout: goDurationField.optional(),
  })
  .strict();

/** The checked config of `http-download` (`timeout` in milliseconds). */
export type HttpDownloadConfig = z.infer<typeof httpDownloadConfigSchema>;

/** Kargo's default timeout and size limit for `http-download`. */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

/**
 * `http-download`: downloads a file with a GET request to `outPath`, creating its directory. An existing file
 * is an error unless `allowOverwrite`. The body is streamed to a temporary file beside `outPath` (readable by
 * the backend only) and moved there once complete; more than 100 MiB (declared or received) is refused. A
 * non-2xx answer fails the step. `timeout` (default 5m) covers the whole download. Connections to link-local
 * addresses are refused, and `insecureSkipTLSVerify` applies to this request only.
 *
 * Header values and query parameters often hold credentials: messages name the URL without its query or user
 * info, and nothing of the headers. No output.
 */
export function createHttpDownloadStep(
  options: { maxBytes?: number } = {},
): PromotionStepRunner<HttpDownloadConfig> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return createPromotionStep({
    name: 'http-download',
    schema: httpDownloadConfigSchema,
    async run(context, config) {
      const url = buildUrl(config);
      const shown = `${url.origin}${url.pathname}`;
      const outPath = await resolveInWorkDir(
        context.workDir,
        config.outPath,
        'outPath',
      );
      if (!config.allowOverwrite && (await exists(outPath))) {
        throw new TerminalStepError(
          `file already exists at ${config.outPath} and overwrite is not allowed`,
        );
      }
      await fs.mkdir(path.dirname(outPath), { recursive: true, mode: 0o700 });
      const tempPath = path.join(
        path.dirname(outPath),
        `.${path.basename(outPath)}.tmp-${process.pid}-${Date.now()}`,
      );
      let status: number;
      try {
        ({ status } = await sendHttpRequest({
          method: 'GET',
          url,
          headers: (config.headers ?? []).map(({ name, value }) => [
            name,
            value,
          ]),
          timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
          insecureSkipTLSVerify: config.insecureSkipTLSVerify,
          maxResponseBytes: maxBytes,
          signal: context.signal,
          streamBody: code =>
            code >= 200 && code < 300
              ? createWriteStream(tempPath, { mode: 0o600 })
              : undefined,
        }));
      } catch (error) {
        await fs.rm(tempPath, { force: true });
        const message = messageOf(error);
        if (message.startsWith('response body size ')) {
          // The server declared a size over the limit: asking again will not change it.
          throw new TerminalStepError(
            `download of ${shown} exceeds limit of ${maxBytes} bytes`,
          );
        }
        throw new Error(
          `error downloading ${shown}: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      if (status < 200 || status >= 300) {
        return {
          status: 'Failed',
          message: `HTTP request to ${shown} failed with status ${status}`,
        };
      }
      try {
        await fs.rename(tempPath, outPath);
      } catch (error) {
        await fs.rm(tempPath, { force: true });
        throw new Error(
          `failed to move file to final destination: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      context.logger.info(`downloaded ${shown} to ${goQuote(config.outPath)}`);
      return { status: 'Succeeded' };
    },
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
