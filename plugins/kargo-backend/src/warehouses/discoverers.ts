import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { discoverCharts } from '../discovery/chart';
import { GitMirrorCache, discoverCommits } from '../discovery/git';
import { discoverImages } from '../discovery/image';
import { OciRegistryClient, readRegistryCredentials } from '../discovery/oci';
import { GitClient, credentialsFromIntegrations, readGitSshKeys } from '../git';
import {
  EvaluationBudget,
  evaluateExpression,
  parse,
  timeFromDate,
} from '../expressions';
import { WarehouseDiscoverers } from './sources';

/**
 * The real discoverers: OCI registries over the Distribution API (credentials from `kargo.registries`), Git
 * repositories through the `git` CLI with mirrors in `cacheDir` (credentials from Backstage integrations), and
 * Helm chart repositories, classic or OCI.
 */
/**
 * Evaluates a Git subscription's `expressionFilter` over a commit's or tag's fields, dates (`commitDate`,
 * `creatorDate`) being Go `time.Time` values with their methods and operators, as in Kargo.
 */
export function evaluateGitFilter(
  expression: string,
  env: Record<string, unknown>,
  budget?: EvaluationBudget,
): unknown {
  return evaluateExpression(
    expression,
    {
      values: Object.fromEntries(
        Object.entries(env).map(([key, value]) => [
          key,
          value instanceof Date ? timeFromDate(value) : value,
        ]),
      ),
    },
    budget ? { budget } : undefined,
  );
}

export async function createDiscoverers(options: {
  config: Config;
  logger: LoggerService;
  cacheDir: string;
}): Promise<WarehouseDiscoverers> {
  const { config, logger } = options;
  const credentials = readRegistryCredentials(config);
  const client = OciRegistryClient.create({ credentials, logger });
  const git = await GitClient.create({
    logger,
    sshKeys: readGitSshKeys(config),
  });
  const mirrors = await GitMirrorCache.create({
    git,
    cacheDir: options.cacheDir,
    logger,
  });
  const gitCredentials = credentialsFromIntegrations(config);
  return {
    image: subscription => discoverImages(subscription, { client, logger }),
    git: subscription => {
      // One budget for the filter over all the candidates of a discovery: many tags cannot add up to more.
      const budget = new EvaluationBudget();
      return discoverCommits(subscription, {
        mirrors,
        credentials: gitCredentials,
        // expressionFilter is Kargo's expr language, over the fields of each commit or tag.
        evaluateFilter: (expression, env) =>
          evaluateGitFilter(expression, env, budget),
        compileFilter: expression => {
          parse(expression);
        },
      });
    },
    chart: subscription =>
      discoverCharts(subscription, { client, credentials, logger }),
  };
}
