// ******************************************************************
// * THIS IS A GENERATED FILE. DO NOT EDIT IT: edit src/schema/openapi.yaml and run
// * `yarn generate:openapi` in plugins/kargo-backend.
// ******************************************************************
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';

export const spec = {
  openapi: '3.1.0',
  info: {
    title: 'kargo',
    version: '1',
    description:
      'The HTTP API of the Kargo Portal backend plugin, mounted at `/api/kargo`. It serves Kargo projects loaded from\nmanifests (`kargo.akuity.io/v1alpha1`), their pipelines, freight and promotions. Every route needs a Backstage\ntoken and checks the Kargo permissions (`kargo.project.read`, `kargo.stage.promote`, ...) in the backend.\n',
    license: {
      name: 'Apache-2.0',
      url: 'http://www.apache.org/licenses/LICENSE-2.0.html',
    },
    contact: {},
  },
  servers: [
    {
      url: '/',
    },
  ],
  components: {
    parameters: {
      project: {
        name: 'project',
        in: 'path',
        required: true,
        description: 'Name of the Kargo project',
        schema: {
          type: 'string',
          pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
          maxLength: 253,
        },
      },
      stage: {
        name: 'stage',
        in: 'path',
        required: true,
        description: 'Name of the stage',
        schema: {
          type: 'string',
          pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
          maxLength: 253,
        },
      },
      limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Page size (default 50)',
        schema: {
          type: 'string',
          pattern: '^[1-9][0-9]{0,2}$',
        },
      },
      cursor: {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'The `nextCursor` of the previous page',
        schema: {
          type: 'string',
          maxLength: 1024,
        },
      },
    },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              name: {
                type: 'string',
              },
              message: {
                type: 'string',
              },
            },
            required: ['name', 'message'],
          },
          request: {
            type: 'object',
          },
          response: {
            type: 'object',
          },
        },
        required: ['error'],
      },
      ManifestsInput: {
        type: 'object',
        additionalProperties: false,
        properties: {
          manifests: {
            type: 'string',
            minLength: 1,
            maxLength: 1048576,
            description: 'Multi-document YAML of Kargo manifests',
          },
        },
        required: ['manifests'],
      },
      FreightInput: {
        type: 'object',
        additionalProperties: false,
        properties: {
          freight: {
            type: 'string',
            minLength: 1,
            maxLength: 253,
            description: 'Id or alias of the freight',
          },
        },
        required: ['freight'],
      },
      RollbackInput: {
        type: 'object',
        additionalProperties: false,
        properties: {
          freight: {
            type: 'string',
            minLength: 1,
            maxLength: 253,
            description:
              "Id or alias of freight the stage ran before; without it, the newest freight of the stage's history that it no longer runs.",
          },
        },
      },
      ProjectSummary: {
        type: 'object',
        properties: {
          name: {
            type: 'string',
          },
          stageCount: {
            type: 'integer',
          },
          warehouseCount: {
            type: 'integer',
          },
          source: {
            type: 'string',
            enum: ['file', 'url', 'api'],
            description:
              "Where the project's manifests come from: a configured file or URL (kargo.definitions), or the API (then it can be replaced and deleted through the API).",
          },
          annotations: {
            type: 'object',
            additionalProperties: {
              type: 'string',
            },
            description:
              "The Project manifest's annotations, e.g. the scaffolder template that created the project (kargo-portal.io/scaffolder-template).",
          },
        },
        required: [
          'name',
          'stageCount',
          'warehouseCount',
          'source',
          'annotations',
        ],
        additionalProperties: false,
      },
      ProjectList: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/ProjectSummary',
            },
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
      Origin: {
        type: 'object',
        properties: {
          kind: {
            type: 'string',
            enum: ['Warehouse'],
          },
          name: {
            type: 'string',
          },
        },
        required: ['kind', 'name'],
        additionalProperties: false,
      },
      Freight: {
        type: 'object',
        properties: {
          id: {
            type: 'string',
          },
          alias: {
            type: 'string',
          },
          project: {
            type: 'string',
          },
          origin: {
            $ref: '#/components/schemas/Origin',
          },
          commits: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                id: {
                  type: 'string',
                },
                branch: {
                  type: 'string',
                },
                tag: {
                  type: 'string',
                },
                message: {
                  type: 'string',
                },
                author: {
                  type: 'string',
                },
                committer: {
                  type: 'string',
                },
              },
              required: ['repoURL', 'id'],
              additionalProperties: false,
            },
          },
          images: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                tag: {
                  type: 'string',
                },
                digest: {
                  type: 'string',
                },
                annotations: {
                  type: 'object',
                  additionalProperties: {
                    type: 'string',
                  },
                },
              },
              required: ['repoURL', 'tag', 'digest'],
              additionalProperties: false,
            },
          },
          charts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                name: {
                  type: 'string',
                },
                version: {
                  type: 'string',
                },
              },
              required: ['repoURL', 'name', 'version'],
              additionalProperties: false,
            },
          },
          artifacts: {
            type: 'array',
            description:
              'Artifacts of subscription types that backend modules register.',
            items: {
              $ref: '#/components/schemas/ArtifactReference',
            },
          },
          createdAt: {
            type: 'string',
          },
        },
        required: [
          'id',
          'alias',
          'project',
          'origin',
          'commits',
          'images',
          'charts',
          'createdAt',
        ],
        additionalProperties: false,
      },
      ArtifactReference: {
        type: 'object',
        properties: {
          artifactType: {
            type: 'string',
          },
          subscriptionName: {
            type: 'string',
          },
          version: {
            type: 'string',
          },
          metadata: {
            type: 'object',
            additionalProperties: true,
          },
        },
        required: ['artifactType', 'subscriptionName', 'version'],
        additionalProperties: false,
      },
      FreightView: {
        description:
          'A Freight with its status in the stages and its metadata.',
        type: 'object',
        properties: {
          id: {
            type: 'string',
          },
          alias: {
            type: 'string',
          },
          project: {
            type: 'string',
          },
          origin: {
            $ref: '#/components/schemas/Origin',
          },
          commits: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                id: {
                  type: 'string',
                },
                branch: {
                  type: 'string',
                },
                tag: {
                  type: 'string',
                },
                message: {
                  type: 'string',
                },
                author: {
                  type: 'string',
                },
                committer: {
                  type: 'string',
                },
              },
              required: ['repoURL', 'id'],
              additionalProperties: false,
            },
          },
          images: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                tag: {
                  type: 'string',
                },
                digest: {
                  type: 'string',
                },
                annotations: {
                  type: 'object',
                  additionalProperties: {
                    type: 'string',
                  },
                },
              },
              required: ['repoURL', 'tag', 'digest'],
              additionalProperties: false,
            },
          },
          charts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                name: {
                  type: 'string',
                },
                version: {
                  type: 'string',
                },
              },
              required: ['repoURL', 'name', 'version'],
              additionalProperties: false,
            },
          },
          artifacts: {
            type: 'array',
            description:
              'Artifacts of subscription types that backend modules register.',
            items: {
              $ref: '#/components/schemas/ArtifactReference',
            },
          },
          createdAt: {
            type: 'string',
          },
          status: {
            type: 'object',
            properties: {
              currentlyIn: {
                type: 'array',
                items: {
                  type: 'string',
                },
              },
              verifiedIn: {
                type: 'object',
                additionalProperties: {
                  type: 'object',
                  properties: {
                    verifiedAt: {
                      type: 'string',
                    },
                    longestSoakMs: {
                      type: 'number',
                    },
                  },
                  additionalProperties: false,
                },
              },
              approvedFor: {
                type: 'object',
                additionalProperties: {
                  type: 'object',
                  properties: {
                    approvedAt: {
                      type: 'string',
                    },
                    approvedBy: {
                      type: 'string',
                    },
                  },
                  required: ['approvedAt'],
                  additionalProperties: false,
                },
              },
              previouslyIn: {
                type: 'array',
                items: {
                  type: 'string',
                },
                description:
                  'Every stage the freight has been in, current ones included.',
              },
            },
            required: ['currentlyIn', 'verifiedIn', 'approvedFor'],
            additionalProperties: false,
          },
          metadata: {
            type: 'object',
            additionalProperties: {},
            description:
              'What set-metadata steps set on the freight, key by key; absent when nothing.',
          },
        },
        required: [
          'id',
          'alias',
          'project',
          'origin',
          'commits',
          'images',
          'charts',
          'createdAt',
          'status',
        ],
        additionalProperties: false,
      },
      FreightPage: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/FreightView',
            },
          },
          nextCursor: {
            type: 'string',
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
      PromotionStep: {
        type: 'object',
        properties: {
          alias: {
            type: 'string',
          },
          uses: {
            type: 'string',
          },
          status: {
            type: 'string',
            enum: [
              'Pending',
              'Running',
              'Succeeded',
              'Skipped',
              'Failed',
              'Errored',
              'Aborted',
            ],
          },
          message: {
            type: 'string',
          },
          startedAt: {
            type: 'string',
          },
          finishedAt: {
            type: 'string',
          },
          continueOnError: {
            type: 'boolean',
            description:
              "A failure of this step leaves the promotion's phase alone.",
          },
          attempts: {
            type: 'integer',
            description:
              'How many times the step was started, retries and runs after a crash included.',
          },
          errorCount: {
            type: 'integer',
            description:
              'Consecutive retryable errors so far, counted against retry.errorThreshold.',
          },
          nextAttemptAt: {
            type: 'string',
            description: 'When a waiting or retrying step runs next.',
          },
          output: {
            type: 'object',
            additionalProperties: true,
            description: "The step's output, with known secrets redacted.",
          },
          log: {
            type: 'array',
            description:
              "The step's log, with known secrets redacted; long logs keep their first and last lines.",
            items: {
              type: 'object',
              properties: {
                time: {
                  type: 'string',
                },
                level: {
                  type: 'string',
                  enum: ['info', 'warn', 'error'],
                },
                message: {
                  type: 'string',
                },
              },
              required: ['time', 'level', 'message'],
              additionalProperties: false,
            },
          },
        },
        required: ['alias', 'status'],
        additionalProperties: false,
      },
      Promotion: {
        type: 'object',
        properties: {
          id: {
            type: 'string',
            description:
              "The promotion's name, as Kargo names it: <stage>.<ulid>.<first 7 of the freight>, lowercased (ctx.promotion in expressions; git-push's generated branch is kargo/promotion/<name>).",
          },
          project: {
            type: 'string',
          },
          stage: {
            type: 'string',
          },
          freight: {
            type: 'string',
          },
          phase: {
            type: 'string',
            enum: [
              'Pending',
              'Running',
              'Succeeded',
              'Failed',
              'Errored',
              'Aborted',
            ],
          },
          message: {
            type: 'string',
          },
          steps: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/PromotionStep',
            },
          },
          createdBy: {
            type: 'string',
          },
          createdAt: {
            type: 'string',
          },
          startedAt: {
            type: 'string',
          },
          finishedAt: {
            type: 'string',
          },
          abortRequestedBy: {
            type: 'string',
            description: 'Who asked to abort the promotion.',
          },
          rollback: {
            type: 'boolean',
            description:
              "Present (true) when the promotion is a rollback: it moves freight from the stage's history that the stage no longer runs (ctx.meta.promotion.rollback in steps).",
          },
        },
        required: [
          'id',
          'project',
          'stage',
          'freight',
          'phase',
          'steps',
          'createdAt',
        ],
        additionalProperties: false,
      },
      PromotionPage: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/Promotion',
            },
          },
          nextCursor: {
            type: 'string',
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
      PipelineStage: {
        type: 'object',
        properties: {
          name: {
            type: 'string',
          },
          color: {
            type: 'string',
          },
          upstream: {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          warehouses: {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          depth: {
            type: 'integer',
          },
          currentFreight: {
            $ref: '#/components/schemas/Freight',
            description:
              'The freight most recently moved into the stage; a stage fed by several warehouses runs one freight of each, which the first entry of freightHistory names.',
          },
          freightHistory: {
            type: 'array',
            description:
              "The stage's last freight collections (at most 10, as Kargo keeps), newest (current) first.",
            items: {
              $ref: '#/components/schemas/StageHistoryEntry',
            },
          },
          lastPromotion: {
            $ref: '#/components/schemas/Promotion',
          },
          eligibleFreightCount: {
            type: 'integer',
            description:
              'How many freight the stage may receive now, counted up to 1000.',
          },
          eligibleFreightCountCapped: {
            type: 'boolean',
            description:
              'True when more freight than eligibleFreightCount are eligible.',
          },
          origins: {
            type: 'array',
            items: {
              type: 'string',
            },
            description: 'The warehouses the stage requests freight from.',
          },
          soak: {
            type: 'object',
            description:
              'Soak of the current freight: since when the stage has run it, and the longest requiredSoakTime a downstream stage asks of freight from this stage.',
            properties: {
              since: {
                type: 'string',
              },
              requiredMs: {
                type: 'integer',
              },
            },
            required: ['since', 'requiredMs'],
            additionalProperties: false,
          },
          metadata: {
            type: 'object',
            additionalProperties: {},
            description:
              'What set-metadata steps set on the stage, key by key; absent when nothing.',
          },
          health: {
            $ref: '#/components/schemas/StageHealth',
          },
          verification: {
            $ref: '#/components/schemas/StageVerification',
          },
          autoPromotion: {
            $ref: '#/components/schemas/StageAutoPromotion',
          },
          promotionWindow: {
            type: 'object',
            description:
              "Present while the project's promotion windows keep the stage closed: why (the window responsible), and when promotions next open (absent when no opening is known within a year). Promotions are refused and auto-promotion waits until then.",
            properties: {
              reason: {
                type: 'string',
              },
              nextOpen: {
                type: 'string',
              },
            },
            required: ['reason'],
            additionalProperties: false,
          },
          permissions: {
            type: 'object',
            additionalProperties: {
              type: 'boolean',
            },
            description:
              "The caller's permissions on the stage's actions when the pipeline was read, by permission name (kargo.stage.promote, kargo.freight.approve, kargo.promotion.abort), so that a client shows the actions without asking the permission backend again. The backend decides again on each action.",
          },
        },
        required: [
          'name',
          'upstream',
          'warehouses',
          'depth',
          'eligibleFreightCount',
          'autoPromotion',
        ],
        additionalProperties: false,
      },
      StageAutoPromotion: {
        type: 'object',
        description:
          "Auto-promotion of the stage: whether the project's promotion policies enable it, and the holds, per origin, that a user's promotion of other freight (or a rollback, a policy's automatic rollback included) put on it, each stopping auto-promotion of that origin until the user promotes the freight auto-promotion would, or auto-promotion is switched off.",
        properties: {
          enabled: {
            type: 'boolean',
          },
          holds: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                origin: {
                  type: 'string',
                  description:
                    'The warehouse whose freight is no longer auto-promoted.',
                },
                freight: {
                  type: 'string',
                  description: 'The freight the user promoted.',
                },
                promotion: {
                  type: 'string',
                },
                actor: {
                  type: 'string',
                  description:
                    'Who promoted it; system:kargo/auto-rollback for an automatic rollback.',
                },
                rollback: {
                  type: 'boolean',
                },
                since: {
                  type: 'string',
                },
              },
              required: [
                'origin',
                'freight',
                'promotion',
                'actor',
                'rollback',
                'since',
              ],
              additionalProperties: false,
            },
          },
        },
        required: ['enabled'],
        additionalProperties: false,
      },
      StageVerification: {
        type: 'object',
        description:
          "The stage's newest verification (of its current freight collection, unless the stage moved on since): the metrics of its AnalysisTemplates, run with Argo Rollouts' semantics. Successful marks the freight verified in the stage.",
        properties: {
          id: {
            type: 'string',
          },
          phase: {
            type: 'string',
            enum: [
              'Pending',
              'Running',
              'Successful',
              'Failed',
              'Error',
              'Aborted',
              'Inconclusive',
            ],
          },
          collection: {
            type: 'string',
            description: "Kargo's id of the freight collection verified.",
          },
          freight: {
            type: 'array',
            items: {
              type: 'string',
            },
            description: 'The freight of the collection.',
          },
          attempt: {
            type: 'integer',
            description:
              "1 for the collection's first verification, one more for each re-verification.",
          },
          actor: {
            type: 'string',
            description:
              'Who asked for a re-verification; absent when the stage started it.',
          },
          message: {
            type: 'string',
          },
          startedAt: {
            type: 'string',
          },
          finishedAt: {
            type: 'string',
          },
          abortedBy: {
            type: 'string',
          },
          templates: {
            type: 'array',
            items: {
              type: 'string',
            },
            description: 'The templates run, as <kind>/<name>.',
          },
          runMetadata: {
            type: 'object',
            description:
              "The stage's verification.analysisRunMetadata, kept with the verification (Kargo's AnalysisRun metadata).",
            properties: {
              labels: {
                type: 'object',
                additionalProperties: {
                  type: 'string',
                },
              },
              annotations: {
                type: 'object',
                additionalProperties: {
                  type: 'string',
                },
              },
            },
            additionalProperties: false,
          },
          measurements: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/VerificationMeasurement',
            },
          },
        },
        required: [
          'id',
          'phase',
          'collection',
          'freight',
          'attempt',
          'templates',
          'measurements',
        ],
        additionalProperties: false,
      },
      VerificationMeasurement: {
        type: 'object',
        properties: {
          metric: {
            type: 'string',
          },
          phase: {
            type: 'string',
            enum: ['Successful', 'Failed', 'Inconclusive', 'Error'],
          },
          value: {
            type: 'string',
            description: 'The measured result',
            'as text.': null,
          },
          message: {
            type: 'string',
          },
          startedAt: {
            type: 'string',
          },
          finishedAt: {
            type: 'string',
          },
        },
        required: ['metric', 'phase', 'startedAt', 'finishedAt'],
        additionalProperties: false,
      },
      StageHealth: {
        type: 'object',
        description:
          'Health of the stage as Kargo evaluates it from the health checks of its last successful promotion (the worst application wins), kept current from a watch of the Argo CD Applications.',
        properties: {
          status: {
            type: 'string',
            enum: [
              'Healthy',
              'Progressing',
              'Unknown',
              'Unhealthy',
              'NotApplicable',
            ],
          },
          message: {
            type: 'string',
          },
          updatedAt: {
            type: 'string',
            description:
              'When the health was first evaluated as it is (it is rewritten only when it changes).',
          },
          promotion: {
            type: 'string',
            description: 'The promotion whose health checks were evaluated.',
          },
          applications: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/ApplicationHealth',
            },
          },
        },
        required: ['status', 'applications'],
        additionalProperties: false,
      },
      ApplicationHealth: {
        type: 'object',
        description: 'One Argo CD Application a health check watches.',
        properties: {
          cluster: {
            type: 'string',
            description: "The configured cluster's name.",
          },
          namespace: {
            type: 'string',
          },
          name: {
            type: 'string',
          },
          status: {
            type: 'string',
            enum: [
              'Healthy',
              'Progressing',
              'Unknown',
              'Unhealthy',
              'NotApplicable',
            ],
            description:
              "What this application contributes to the stage's health.",
          },
          message: {
            type: 'string',
          },
          syncStatus: {
            type: 'string',
            description:
              "The Application's sync status (Synced, OutOfSync, Unknown), absent when the app is missing.",
          },
          revision: {
            type: 'string',
            description:
              "The revision the Application is synced to (the first source's for multi-source apps).",
          },
          revisions: {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          desiredRevisions: {
            type: 'array',
            items: {
              type: 'string',
            },
            description:
              "The revisions the promotion asked for, one per source ('' when it asked for none).",
          },
          healthStatus: {
            type: 'string',
            description:
              "Argo CD's own health (Healthy, Progressing, Degraded, Suspended, Missing, Unknown).",
          },
          link: {
            type: 'object',
            description:
              "The app in the Argo CD UI, when a UI URL is configured or the stage's argocd-context gives one.",
            properties: {
              url: {
                type: 'string',
              },
              title: {
                type: 'string',
                description:
                  'What to call the UI (kargo.argocd.title), such as "Argo CD" or "simulated Argo CD".',
              },
            },
            required: ['url', 'title'],
            additionalProperties: false,
          },
        },
        required: ['cluster', 'namespace', 'name', 'status'],
        additionalProperties: false,
      },
      Pipeline: {
        type: 'object',
        properties: {
          project: {
            type: 'string',
          },
          warehouses: {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          stages: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/PipelineStage',
            },
          },
        },
        required: ['project', 'warehouses', 'stages'],
        additionalProperties: false,
      },
      StageHistory: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/StageHistoryEntry',
            },
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
      StageHistoryEntry: {
        type: 'object',
        description:
          'The freight a promotion moved into the stage, and the freight collection the stage ran from then on.',
        properties: {
          freight: {
            type: 'string',
            description: 'The freight the promotion moved in.',
          },
          promotion: {
            type: 'string',
          },
          promotedAt: {
            type: 'string',
          },
          collection: {
            $ref: '#/components/schemas/FreightCollection',
          },
        },
        required: ['freight', 'promotedAt', 'collection'],
        additionalProperties: false,
      },
      FreightCollection: {
        type: 'object',
        description:
          "What a stage runs, as Kargo's FreightCollection: one freight per origin. Promoting freight of one warehouse replaces only that warehouse's freight.",
        properties: {
          id: {
            type: 'string',
            description:
              "Kargo's collection id, the SHA-1 (hex) of the sorted freight names joined with commas.",
          },
          items: {
            type: 'array',
            description: 'One freight per origin, ordered by origin.',
            items: {
              type: 'object',
              properties: {
                origin: {
                  type: 'object',
                  properties: {
                    kind: {
                      type: 'string',
                      enum: ['Warehouse'],
                    },
                    name: {
                      type: 'string',
                    },
                  },
                  required: ['kind', 'name'],
                  additionalProperties: false,
                },
                name: {
                  type: 'string',
                  description: "The freight's id.",
                },
              },
              required: ['origin', 'name'],
              additionalProperties: false,
            },
          },
        },
        required: ['id', 'items'],
        additionalProperties: false,
      },
      Warehouse: {
        type: 'object',
        properties: {
          project: {
            type: 'string',
          },
          name: {
            type: 'string',
          },
          freightCreationPolicy: {
            type: 'string',
            enum: ['Automatic', 'Manual'],
          },
          interval: {
            type: 'string',
          },
          refreshRequestedAt: {
            type: 'string',
          },
          refreshRequestedBy: {
            type: 'string',
          },
          lastAttemptAt: {
            type: 'string',
            description: 'When discovery last ran, successful or not.',
          },
          lastDiscoveryAt: {
            type: 'string',
            description: 'When discovery last succeeded.',
          },
          lastError: {
            type: 'string',
            description:
              'Why the last discovery failed; cleared by the next successful one.',
          },
          discovered: {
            $ref: '#/components/schemas/DiscoveredArtifacts',
          },
          latestFreight: {
            type: 'string',
            description: "Alias of the warehouse's newest freight.",
          },
        },
        required: ['project', 'name'],
        additionalProperties: false,
      },
      DiscoveredArtifacts: {
        type: 'object',
        description: 'What each subscription found, newest first.',
        properties: {
          discoveredAt: {
            type: 'string',
          },
          images: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                platform: {
                  type: 'string',
                },
                references: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      tag: {
                        type: 'string',
                      },
                      digest: {
                        type: 'string',
                      },
                      annotations: {
                        type: 'object',
                        additionalProperties: {
                          type: 'string',
                        },
                      },
                      createdAt: {
                        type: 'string',
                      },
                    },
                    required: ['tag', 'digest'],
                    additionalProperties: false,
                  },
                },
              },
              required: ['repoURL', 'references'],
              additionalProperties: false,
            },
          },
          commits: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                commits: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      id: {
                        type: 'string',
                      },
                      branch: {
                        type: 'string',
                      },
                      tag: {
                        type: 'string',
                      },
                      subject: {
                        type: 'string',
                      },
                      author: {
                        type: 'string',
                      },
                      committer: {
                        type: 'string',
                      },
                      creatorDate: {
                        type: 'string',
                      },
                    },
                    required: ['id'],
                    additionalProperties: false,
                  },
                },
              },
              required: ['repoURL', 'commits'],
              additionalProperties: false,
            },
          },
          charts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                repoURL: {
                  type: 'string',
                },
                name: {
                  type: 'string',
                },
                semverConstraint: {
                  type: 'string',
                },
                versions: {
                  type: 'array',
                  items: {
                    type: 'string',
                  },
                },
              },
              required: ['repoURL', 'name', 'versions'],
              additionalProperties: false,
            },
          },
          results: {
            type: 'array',
            description:
              'What subscriptions of types that backend modules register found.',
            items: {
              type: 'object',
              properties: {
                type: {
                  type: 'string',
                },
                label: {
                  type: 'string',
                  description: "How the UI names the subscription's type.",
                },
                subscriptionName: {
                  type: 'string',
                },
                artifactReferences: {
                  type: 'array',
                  items: {
                    $ref: '#/components/schemas/ArtifactReference',
                  },
                },
              },
              required: [
                'type',
                'label',
                'subscriptionName',
                'artifactReferences',
              ],
              additionalProperties: false,
            },
          },
        },
        required: ['discoveredAt'],
        additionalProperties: false,
      },
      FreightSelection: {
        type: 'object',
        description:
          'One artifact per subscription, chosen among those the warehouse discovered.',
        additionalProperties: false,
        properties: {
          images: {
            type: 'array',
            maxItems: 100,
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                repoURL: {
                  type: 'string',
                  maxLength: 2048,
                },
                tag: {
                  type: 'string',
                  maxLength: 2048,
                },
              },
              required: ['repoURL', 'tag'],
            },
          },
          commits: {
            type: 'array',
            maxItems: 100,
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                repoURL: {
                  type: 'string',
                  maxLength: 2048,
                },
                id: {
                  type: 'string',
                  maxLength: 2048,
                },
              },
              required: ['repoURL', 'id'],
            },
          },
          charts: {
            type: 'array',
            maxItems: 100,
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                repoURL: {
                  type: 'string',
                  maxLength: 2048,
                },
                name: {
                  type: 'string',
                  maxLength: 2048,
                },
                version: {
                  type: 'string',
                  maxLength: 2048,
                },
              },
              required: ['repoURL', 'version'],
            },
          },
          artifacts: {
            type: 'array',
            maxItems: 100,
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                subscriptionName: {
                  type: 'string',
                  maxLength: 253,
                },
                version: {
                  type: 'string',
                  maxLength: 2048,
                },
              },
              required: ['subscriptionName', 'version'],
            },
          },
        },
      },
      WebhookReceiver: {
        type: 'object',
        properties: {
          project: {
            type: 'string',
          },
          name: {
            type: 'string',
          },
          provider: {
            type: 'string',
          },
          path: {
            type: 'string',
            description:
              'Path under /api/kargo to configure at the provider; derived from the secret.',
          },
          problem: {
            type: 'string',
          },
        },
        required: ['project', 'name', 'provider'],
        additionalProperties: false,
      },
      WebhookReceiverList: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/WebhookReceiver',
            },
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
      WarehouseList: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/Warehouse',
            },
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
      DefinitionSource: {
        type: 'object',
        properties: {
          key: {
            type: 'string',
          },
          kind: {
            type: 'string',
            enum: ['file', 'url', 'api'],
          },
          target: {
            type: 'string',
          },
          version: {
            type: 'integer',
          },
          projects: {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          lastError: {
            type: 'string',
          },
          lastErrorAt: {
            type: 'string',
          },
          checkedAt: {
            type: 'string',
          },
          notes: {
            description:
              'What became of the documents of the current version that are not plain Kargo manifests, and warnings: AnalysisTemplates kept for verification, other kinds skipped, Kargo credential Secrets refused (never stored), deprecated fields read as their replacements, repeated keys (the last one wins).',
            type: 'array',
            items: {
              $ref: '#/components/schemas/DefinitionNote',
            },
          },
        },
        required: ['key', 'kind', 'target', 'projects', 'checkedAt'],
        additionalProperties: false,
      },
      DefinitionNote: {
        type: 'object',
        properties: {
          document: {
            type: 'integer',
            description: '1-based index of the YAML document',
          },
          level: {
            type: 'string',
            enum: ['kept', 'skipped', 'refused', 'deprecated', 'warning'],
          },
          apiVersion: {
            type: 'string',
          },
          kind: {
            type: 'string',
          },
          name: {
            type: 'string',
          },
          path: {
            type: 'string',
            description:
              'Dotted path of the field, empty for the whole document',
          },
          message: {
            type: 'string',
          },
        },
        required: ['document', 'level', 'path', 'message'],
        additionalProperties: false,
      },
      DefinitionSourceList: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/DefinitionSource',
            },
          },
        },
        required: ['items'],
        additionalProperties: false,
      },
    },
    responses: {
      ErrorResponse: {
        description: 'An error',
        content: {
          'application/json': {
            schema: {
              $ref: '#/components/schemas/Error',
            },
          },
        },
      },
    },
  },
  paths: {
    '/health': {
      get: {
        operationId: 'GetHealth',
        security: [],
        description: 'Whether the plugin serves requests; needs no token.',
        responses: {
          '200': {
            description: 'The plugin is up',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    status: {
                      type: 'string',
                      enum: ['ok'],
                    },
                  },
                  required: ['status'],
                  additionalProperties: false,
                },
              },
            },
          },
        },
      },
    },
    '/projects': {
      get: {
        operationId: 'ListProjects',
        description: 'The projects the caller may read (kargo.project.read).',
        responses: {
          '200': {
            description: 'Projects, by name',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/ProjectList',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
      },
      post: {
        operationId: 'CreateProject',
        description:
          'Creates a project from manifests (kargo.project.create). The YAML must hold one Project.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                $ref: '#/components/schemas/ManifestsInput',
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'The created project',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/ProjectSummary',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
      },
    },
    '/projects/{project}': {
      get: {
        operationId: 'GetProject',
        responses: {
          '200': {
            description: 'The project',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/ProjectSummary',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
        ],
      },
      put: {
        operationId: 'ReplaceProject',
        description:
          'Replaces the manifests of a project created through the API (kargo.project.update).',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                $ref: '#/components/schemas/ManifestsInput',
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'The project',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/ProjectSummary',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
        ],
      },
      delete: {
        operationId: 'DeleteProject',
        description:
          'Deletes a project created through the API (kargo.project.update); its freight history stays.',
        responses: {
          '204': {
            description: 'Deleted',
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
        ],
      },
    },
    '/projects/{project}/pipeline': {
      get: {
        operationId: 'GetPipeline',
        description:
          'The stages in pipeline (DAG) order with their current freight, last promotion and eligible freight count.',
        responses: {
          '200': {
            description: 'The pipeline',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Pipeline',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
        ],
      },
    },
    '/projects/{project}/freight': {
      get: {
        operationId: 'ListFreight',
        description:
          'Freight, newest first. `origin` narrows to warehouses; `stage` to the freight that stage may receive now.',
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'origin',
            in: 'query',
            required: false,
            description: 'Comma list of warehouse names',
            style: 'form',
            explode: false,
            schema: {
              type: 'string',
              maxLength: 2048,
            },
          },
          {
            name: 'stage',
            in: 'query',
            required: false,
            schema: {
              type: 'string',
              pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
              maxLength: 253,
            },
          },
          {
            $ref: '#/components/parameters/limit',
          },
          {
            $ref: '#/components/parameters/cursor',
          },
        ],
        responses: {
          '200': {
            description: 'A page of freight',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/FreightPage',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
      },
    },
    '/projects/{project}/freight/{freight}': {
      get: {
        operationId: 'GetFreight',
        responses: {
          '200': {
            description: 'The freight',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/FreightView',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'freight',
            in: 'path',
            required: true,
            description: 'Id or alias',
            schema: {
              type: 'string',
              maxLength: 253,
            },
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/approvals': {
      post: {
        operationId: 'ApproveFreight',
        description:
          'Approves freight for the stage (kargo.freight.approve), making it eligible there.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                $ref: '#/components/schemas/FreightInput',
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'The freight, approved',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/FreightView',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/promotions': {
      post: {
        operationId: 'PromoteToStage',
        description:
          'Requests a promotion of freight the stage may receive (kargo.stage.promote). It starts Pending.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                $ref: '#/components/schemas/FreightInput',
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'The promotion',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Promotion',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/rollbacks': {
      post: {
        operationId: 'RollbackStage',
        description:
          'Rolls the stage back (kargo.stage.promote): requests a promotion, marked as a rollback, of freight the stage ran before and no longer runs: the given one, or else the newest such freight of its history. The freight must still be eligible. Audited as promotion-create with rollback true.',
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                $ref: '#/components/schemas/RollbackInput',
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'The promotion, marked as a rollback',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Promotion',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/auto-promotion/resume': {
      post: {
        operationId: 'ResumeAutoPromotion',
        description:
          'Resumes auto-promotion of the stage (kargo.stage.promote): releases its holds, so that auto-promotion promotes its candidates again. A stage whose promotion policy does not auto-promote it is a 409. Audited as auto-promotion-resume.',
        responses: {
          '200': {
            description: "The stage's auto-promotion, without holds",
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/StageAutoPromotion',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/history': {
      get: {
        operationId: 'GetStageHistory',
        description:
          "The stage's freight history, newest first: the freight each promotion moved in and the freight collection the stage ran from then on. At most the last 10 entries, as Kargo keeps; the store keeps them all.",
        responses: {
          '200': {
            description: 'History entries',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/StageHistory',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
          {
            $ref: '#/components/parameters/limit',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/health': {
      get: {
        operationId: 'GetStageHealth',
        description:
          "The stage's health and its Argo CD applications (kargo.project.read), as last evaluated from the watch; no cluster is called by this request.",
        responses: {
          '200': {
            description: "The stage's health",
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/StageHealth',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/verification': {
      post: {
        operationId: 'ReverifyStage',
        description:
          "Verifies the stage's current freight collection again, as a new attempt (kargo.stage.verify on the stage). Refused while the stage is being verified, and for a stage without verification.",
        responses: {
          '201': {
            description: 'The new verification',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/StageVerification',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/stages/{stage}/verification/abort': {
      post: {
        operationId: 'AbortStageVerification',
        description:
          "Aborts the stage's Pending or Running verification (kargo.stage.verify on the stage).",
        responses: {
          '200': {
            description: 'The aborted verification',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/StageVerification',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            $ref: '#/components/parameters/stage',
          },
        ],
      },
    },
    '/projects/{project}/promotions': {
      get: {
        operationId: 'ListPromotions',
        description:
          "The project's promotions, newest first. Steps carry their status but not their log and output: read the promotion for those.",
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'stage',
            in: 'query',
            required: false,
            schema: {
              type: 'string',
              pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
              maxLength: 253,
            },
          },
          {
            $ref: '#/components/parameters/limit',
          },
          {
            $ref: '#/components/parameters/cursor',
          },
        ],
        responses: {
          '200': {
            description: 'A page of promotions, newest first',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/PromotionPage',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
      },
    },
    '/projects/{project}/promotions/{promotion}': {
      get: {
        operationId: 'GetPromotion',
        responses: {
          '200': {
            description: 'The promotion',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Promotion',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'promotion',
            in: 'path',
            required: true,
            description:
              "The promotion's name, as Kargo names it (<stage>.<ulid>.<first 7 of the freight>).",
            schema: {
              type: 'string',
              maxLength: 253,
            },
          },
        ],
      },
    },
    '/projects/{project}/promotions/{promotion}/abort': {
      post: {
        operationId: 'AbortPromotion',
        description:
          'Aborts a Pending or Running promotion (kargo.promotion.abort on its stage).',
        responses: {
          '200': {
            description: 'The promotion',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Promotion',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'promotion',
            in: 'path',
            required: true,
            description:
              "The promotion's name, as Kargo names it (<stage>.<ulid>.<first 7 of the freight>).",
            schema: {
              type: 'string',
              maxLength: 253,
            },
          },
        ],
      },
    },
    '/projects/{project}/warehouses': {
      get: {
        operationId: 'ListWarehouses',
        responses: {
          '200': {
            description: "The project's warehouses and their discovery state",
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/WarehouseList',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
        ],
      },
    },
    '/projects/{project}/warehouses/{warehouse}/refresh': {
      post: {
        operationId: 'RefreshWarehouse',
        description:
          'Asks for a discovery of the warehouse now (kargo.warehouse.refresh).',
        responses: {
          '202': {
            description: 'The refresh was requested',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Warehouse',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'warehouse',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
              maxLength: 253,
            },
          },
        ],
      },
    },
    '/projects/{project}/warehouses/{warehouse}/freight': {
      post: {
        operationId: 'CreateFreight',
        description:
          'Creates a freight from artifacts the warehouse discovered, one per subscription (kargo.project.update). Used with Manual warehouses; an existing freight with the same artifacts is returned as is.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                $ref: '#/components/schemas/FreightSelection',
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'The freight already existed',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Freight',
                },
              },
            },
          },
          '201': {
            description: 'The freight was created',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/Freight',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
          {
            name: 'warehouse',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
              maxLength: 253,
            },
          },
        ],
      },
    },
    '/projects/{project}/webhooks': {
      get: {
        operationId: 'ListWebhookReceivers',
        description:
          "The project's webhook receivers and the path each is reached at (kargo.project.update: the path is derived from the receiver's secret).",
        responses: {
          '200': {
            description: 'The receivers',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/WebhookReceiverList',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
        parameters: [
          {
            $ref: '#/components/parameters/project',
          },
        ],
      },
    },
    '/webhooks/{id}': {
      post: {
        operationId: 'DeliverWebhook',
        security: [],
        description:
          "Receives a push from a Git host or registry (GitHub, GitLab, Gitea, Bitbucket, Docker Hub, Quay, Harbor, generic). The id is derived from the receiver's secret; providers that sign deliveries are verified too. Warehouses of the project subscribed to the pushed repository are refreshed.",
        requestBody: {
          required: false,
          content: {
            '*/*': {
              schema: {},
            },
          },
        },
        responses: {
          '200': {
            description: 'Accepted (possibly refreshing nothing)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    message: {
                      type: 'string',
                    },
                  },
                  additionalProperties: false,
                },
              },
            },
          },
          '401': {
            description:
              "The signature or token does not match the receiver's secret",
          },
          '404': {
            description: 'No such receiver',
          },
        },
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
            },
          },
        ],
      },
    },
    '/definitions': {
      get: {
        operationId: 'ListDefinitionSources',
        description:
          'Manifest sources with their version and last error, limited to the projects the caller may read.',
        responses: {
          '200': {
            description: 'Sources',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/DefinitionSourceList',
                },
              },
            },
          },
          default: {
            $ref: '#/components/responses/ErrorResponse',
          },
        },
      },
    },
  },
} as const;

export const createOpenApiRouter = async (
  options?: Parameters<typeof createValidatedOpenApiRouter>['1'],
) => createValidatedOpenApiRouter<typeof spec>(spec, options);
