import { z } from 'zod';
import { isError } from '@backstage/errors';
import {
  PromotionStepContext,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { parseGoDuration } from '@kargo-portal/plugin-kargo-common';
import {
  KARGO_GIT_PROVIDERS,
  KargoGitProvider,
  PullRequestProviders,
} from '../scm/PullRequestProviders';
import { redactUrl } from '../scm/repoUrl';
import { PullRequestProvider, ScmApiError } from '../scm/types';

/** The config fields every pull request step shares with Kargo (`repoURL`, `provider`, `insecureSkipTLSVerify`). */
export const repositoryFields = {
  repoURL: z.string().min(1),
  provider: z.enum(KARGO_GIT_PROVIDERS).optional(),
  insecureSkipTLSVerify: z.boolean().optional(),
};

/** Kargo's `prNumber`: an integer of at least 1. */
export const prNumberField = z.number().int().min(1);

/**
 * A Go duration such as `30s` or `1m30s` (Kargo's pattern `(?:\d+(ns|us|µs|ms|s|m|h))+`), read as
 * milliseconds.
 */
export const goDurationField = z.string().transform((text, ctx) => {
  try {
    const ms = parseGoDuration(text);
    if (ms >= 0) return ms;
  } catch {
    // reported below
  }
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: `Does not match pattern '(?:\\d+(ns|us|µs|ms|s|m|h))+'`,
  });
  return z.NEVER;
});

/**
 * The provider of the step's repository. A repository URL or provider this portal cannot serve is a
 * configuration error, so it ends the step without retries.
 */
export async function providerFor(
  providers: PullRequestProviders,
  context: PromotionStepContext,
  config: {
    repoURL: string;
    provider?: KargoGitProvider;
    insecureSkipTLSVerify?: boolean;
  },
): Promise<PullRequestProvider> {
  try {
    return await providers.forRepository(config.repoURL, {
      provider: config.provider,
      signal: context.signal,
      // As in Kargo: the provider API's certificate is not verified, for this step's requests only.
      insecureSkipTLSVerify: config.insecureSkipTLSVerify,
    });
  } catch (error) {
    if (isError(error) && error.name === 'InputError') {
      throw new TerminalStepError(`repoURL: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Turns a provider's error into the step's error: a refusal that asking again cannot change (bad credentials,
 * no such pull request, invalid request) ends the step; a rate limit, server error or network failure may
 * be retried within the step's `retry.errorThreshold`. The cause is kept.
 */
export function stepError(error: unknown, doing: string): Error {
  if (error instanceof TerminalStepError) return error;
  const message = `error ${doing}: ${
    isError(error) ? error.message : String(error)
  }`;
  if (error instanceof ScmApiError && !error.retryable) {
    const terminal = new TerminalStepError(message);
    terminal.cause = error;
    return terminal;
  }
  return new Error(message, { cause: error });
}

/** The repository URL without credentials, for messages. */
export function displayUrl(repoURL: string): string {
  return redactUrl(repoURL);
}
