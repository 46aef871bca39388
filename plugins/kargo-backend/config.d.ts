import { HumanDuration } from '@backstage/types';
import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Configuration of the Kargo Portal backend plugin. */
  kargo?: {
    /**
     * Where Kargo manifests (`kargo.akuity.io/v1alpha1`) are read from. Each file or URL is one source: its good
     * versions are kept in the database, and a version that does not validate is refused with its error stored,
     * keeping the last good one. A project belongs to one source.
     *
     * `type: file` targets are paths or globs, relative to the backend's working directory as with catalog
     * locations (`packages/backend` when started with `yarn start`). `type: url` targets are read through
     * Backstage's UrlReader, so a file in a Git repository of a configured integration works
     * (e.g. `https://github.com/acme/gitops/blob/main/kargo/project.yaml`).
     */
    definitions?: Array<{
      /** The kind of location. */
      type: 'file' | 'url';
      /** A path, glob or URL. */
      target: string;
    }>;
    /**
     * How often the configured definitions are read again (one replica does it for all).
     * Default: every minute, with a two-minute timeout.
     */
    definitionsSchedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /** Auto-promotion (ProjectConfig `spec.promotionPolicies` with `autoPromotionEnabled: true`). */
    autoPromotion?: {
      /**
       * How often, in milliseconds, every replica looks at every project for freight to auto-promote: this
       * catches changes made on other replicas and promotion windows that opened (changes on the same replica
       * start a pass at once). Default: 5000.
       */
      sweepIntervalMs?: number;
    };
    /**
     * How this backend replica runs promotions. Every replica with `concurrency` above 0 runs promotions from the
     * shared database: a replica claims a promotion with compare-and-set and keeps it with heartbeats; one
     * promotion runs at a time per stage, oldest first. When a replica stops, another takes its promotions over
     * once their lease expires and runs again the step that was running (steps are idempotent).
     */
    promotions?: {
      /** How many promotions this replica runs at once; 0 runs none. Default: 4. */
      concurrency?: number;
      /**
       * How long a claim lasts without a heartbeat, and so how long a crashed replica's promotions wait before
       * another replica takes them over. Heartbeats, which also pick up abort requests, come every poll interval
       * and at least three times per lease. At least 1 second. Default: 1 minute.
       */
      leaseDuration?: HumanDuration | string;
      /** How often the replica looks for promotions to run. Default: 5 seconds. */
      pollInterval?: HumanDuration | string;
      /**
       * Root of the per-promotion work directories (one directory per promotion, removed when it ends).
       * Default: `kargo-portal-promotions` in the system's temporary directory.
       */
      workDir?: string;
      /**
       * How many times a step may be cut short by the end of the process running it (crash, kill) and still be
       * run again; past that the promotion ends Errored. Default: 3.
       */
      maxStepInterruptions?: number;
      /**
       * How long a stopping replica lets running steps finish before handing their promotions back.
       * Default: 30 seconds.
       */
      shutdownTimeout?: HumanDuration | string;
      /** Settings of the `github-push` step (Kargo's `controller.githubPush` Helm values). */
      githubPush?: {
        /**
         * The most commits one `github-push` replays through the GitHub API: a guard against replaying a large
         * history by mistake. Default: 10.
         */
        maxRevisions?: number;
        /**
         * Replay every commit without author and committer, not only those signed by a trusted key, so that
         * GitHub signs (verifies) all of them; a `Co-authored-by` trailer keeps the author. This vouches for
         * commits nothing verified. Default: false.
         */
        verifyUntrustedCommits?: boolean;
      };
      /**
       * The programs that the `kustomize-build` and `helm-template` steps run. Each runs with the promotion's
       * work directory as its current directory, with `PATH` and nothing else of the backend's environment.
       */
      tools?: {
        /**
         * Path of the `kustomize` binary. Default: `kustomize` found on `PATH`, else `kubectl` found on `PATH`
         * (run as `kubectl kustomize`, the kustomize built into kubectl).
         */
        kustomize?: string;
        /** Path of the `helm` binary (also used by kustomize to inflate `helmCharts`). Default: `helm` on `PATH`. */
        helm?: string;
      };
    };
    /**
     * How often the backend looks for warehouses due for discovery (each is discovered at its own `interval`,
     * or at once after a refresh request or a webhook; one replica polls for all). Default: every 15 seconds.
     */
    warehousesSchedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /**
     * Where the backend keeps Git mirrors of the repositories warehouses watch (under `git-mirrors`). Each
     * replica needs its own. Default: `kargo-portal` in the operating system's temporary directory.
     */
    workDir?: string;
    /**
     * SSH private keys for Git repositories reached over SSH (`ssh://git@host/org/repo.git` or
     * `git@host:org/repo.git`), in place of Kargo's credential Secrets: the first entry whose `repoURL` names
     * the repository (compared in Kargo's normalized form), else the first whose `repoURLPattern` matches it.
     * The key is written to a file of mode 0600 for each git command and removed after it; it is never
     * logged. HTTP(S) repositories use Backstage's `integrations` instead.
     */
    gitSshKeys?: Array<{
      /** The repository URL, e.g. `git@github.com:acme/gitops.git`. Set this or `repoURLPattern`. */
      repoURL?: string;
      /** A Go regular expression repository URLs are matched against, e.g. `^git@github\.com:acme/`. */
      repoURLPattern?: string;
      /**
       * The private key (OpenSSH or PEM form, without passphrase).
       *
       * @visibility secret
       */
      sshPrivateKey: string;
      /**
       * `known_hosts` lines for the server; the host key must be among them. Without them, a host's first key
       * is accepted and remembered for the process's life, and a changed key is refused.
       */
      knownHosts?: string;
    }>;
    /**
     * Credentials for OCI registries and Helm chart repositories that image and chart subscriptions read, one
     * entry per host. Registries without an entry are read anonymously. A registry's own authentication scheme
     * is followed: basic, or bearer tokens from its token service (the credentials are sent to the token
     * service). Docker Hub is `docker.io` (also matches `index.docker.io` and `registry-1.docker.io`).
     */
    registries?: Array<{
      /** Host, with its port when it has one: `ghcr.io`, `docker.io`, `registry.example.com:5000`. */
      host: string;
      /** User name, or the name a token goes with (e.g. `oauth2accesstoken`, `AWS`). */
      username: string;
      /**
       * Password or access token.
       *
       * @visibility secret
       */
      password: string;
    }>;
    /**
     * Argo CD, for the `argocd-update` step: the clusters its Applications live on, reached through the Kubernetes
     * API with `@kubernetes/client-node`. The clusters of the Kubernetes plugin
     * (`kubernetes.clusterLocatorMethods[]` of `type: config`, with `authProvider: serviceAccount` and a
     * `serviceAccountToken`) are used too, without repeating them here; an entry here wins over one there with
     * the same name. A step names an app's cluster with the app's `cluster` field (an addition to Kargo's
     * config); without it the app is on `defaultCluster`.
     */
    argocd?: {
      /**
       * The cluster of apps that do not name one. Default: the only configured cluster, when there is only one.
       */
      defaultCluster?: string;
      /** The namespace of Argo CD's Applications when an app does not name one. Default: `argocd`. */
      namespace?: string;
      /**
       * Base URL of the Argo CD UI, for links to apps (`<url>/applications/<namespace>/<name>`, e.g.
       * `https://argocd.example.com`): in argocd-wait's output and in each stage's health.
       */
      url?: string;
      /**
       * What the links call the Argo CD UI, e.g. "simulated Argo CD" in the demo. Default: `Argo CD`.
       */
      title?: string;
      /** Clusters Argo CD's Applications live on, in the shape of the Kubernetes plugin's cluster entries. */
      clusters?: Array<{
        /** The cluster's name, as apps' `cluster` field and `defaultCluster` name it. */
        name: string;
        /** The Kubernetes API server's URL, e.g. `https://10.0.0.1:6443`. */
        url: string;
        /** How the backend authenticates: only `serviceAccount` (a bearer token). Default: `serviceAccount`. */
        authProvider?: 'serviceAccount';
        /**
         * The service account's bearer token. It needs get, list, watch and patch on
         * `applications.argoproj.io` in the Argo CD namespace (watch: stage health). Never logged nor shown in
         * step messages or API responses.
         *
         * @visibility secret
         */
        serviceAccountToken: string;
        /** Base64 of the PEM of the CA that signed the API server's certificate. */
        caData?: string;
        /** Path of a PEM file of that CA (read at first use), when `caData` is not given. */
        caFile?: string;
        /**
         * Do not verify the API server's TLS certificate, for this cluster only (never process-wide). Only for
         * tests. Default: false.
         */
        skipTLSVerify?: boolean;
      }>;
    };
    /**
     * Project secrets, standing in for the Kubernetes Secrets of a Kargo project's namespace:
     * `kargo.secrets.<project>.<secret name>.<key>`. Webhook receivers read the `secret` key of the secret their
     * `secretRef` names; promotion expressions read them with `secret('<name>')`.
     *
     * @deepVisibility secret
     */
    secrets?: {
      [project: string]: {
        [name: string]: {
          [key: string]: string;
        };
      };
    };
    /**
     * Secrets shared by all projects, standing in for those of Kargo's shared resources namespace:
     * `kargo.sharedSecrets.<secret name>.<key>`, read by promotion expressions with `sharedSecret('<name>')`.
     *
     * @deepVisibility secret
     */
    sharedSecrets?: {
      [name: string]: {
        [key: string]: string;
      };
    };
    /**
     * Secrets of the cluster's own configuration, standing in for those of Kargo's system resources namespace:
     * `kargo.systemSecrets.<secret name>.<key>`. The webhook receivers of a ClusterConfig manifest read the
     * `secret` key of the secret their `secretRef` names (`secret-token` for Artifactory receivers).
     *
     * @deepVisibility secret
     */
    systemSecrets?: {
      [name: string]: {
        [key: string]: string;
      };
    };
    /**
     * Stage verification (`spec.verification.analysisTemplates`). Project secrets (`kargo.secrets`) back the
     * `valueFrom.secretKeyRef` args of AnalysisTemplates.
     */
    verification?: {
      /**
       * How often each replica looks for stages to start verifying and for measurements that are due, in
       * milliseconds (jittered). Default 1000.
       */
      pollIntervalMs?: number;
    };
    /**
     * Project config maps, standing in for the ConfigMaps of a Kargo project's namespace:
     * `kargo.configMaps.<project>.<name>.<key>`, read by promotion expressions with `configMap('<name>')`.
     * ConfigMap documents in manifest sources are not read (they are listed as skipped).
     */
    configMaps?: {
      [project: string]: {
        [name: string]: {
          [key: string]: string;
        };
      };
    };
    /**
     * Config maps shared by all projects, standing in for those of Kargo's shared resources namespace:
     * `kargo.sharedConfigMaps.<name>.<key>`, read with `sharedConfigMap('<name>')`.
     */
    sharedConfigMaps?: {
      [name: string]: {
        [key: string]: string;
      };
    };
  };
}
