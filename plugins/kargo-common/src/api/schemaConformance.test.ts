import type * as Schema from './generated/schemas';
import type { DiscoveredArtifacts } from './discovery';
import type {
  DefinitionSourceStatus,
  FreightRecord,
  FreightSelection,
  FreightView,
  Page,
  Promotion,
  StageHistoryEntry,
  WarehouseStatus,
  WebhookReceiverStatus,
} from './model';
import type {
  Pipeline,
  PipelineStage,
  ProjectList,
  StageHealth,
  StageVerification,
  ProjectSummary,
} from './types';

/*
 * The client's types must describe what the API's OpenAPI schema allows. These checks run in the type checker
 * (`yarn tsc`): a model type that is not assignable to its generated schema type fails the build, so the
 * hand-written client and the spec cannot drift apart. The generated types come from
 * plugins/kargo-backend/src/schema/openapi.yaml (`yarn generate:openapi`).
 */
type Conforms<Model extends Spec, Spec> = Model;

type Checked = [
  Conforms<ProjectSummary, Schema.ProjectSummary>,
  Conforms<ProjectList, Schema.ProjectList>,
  Conforms<FreightRecord, Schema.Freight>,
  Conforms<FreightView, Schema.FreightView>,
  Conforms<Page<FreightView>, Schema.FreightPage>,
  Conforms<Promotion, Schema.Promotion>,
  Conforms<Page<Promotion>, Schema.PromotionPage>,
  Conforms<PipelineStage, Schema.PipelineStage>,
  Conforms<Pipeline, Schema.Pipeline>,
  Conforms<StageHealth, Schema.StageHealth>,
  Conforms<StageVerification, Schema.StageVerification>,
  Conforms<{ items: StageHistoryEntry[] }, Schema.StageHistory>,
  Conforms<WarehouseStatus, Schema.Warehouse>,
  Conforms<DiscoveredArtifacts, Schema.DiscoveredArtifacts>,
  Conforms<{ items: WarehouseStatus[] }, Schema.WarehouseList>,
  Conforms<DefinitionSourceStatus, Schema.DefinitionSource>,
  Conforms<FreightSelection, Schema.FreightSelection>,
  Conforms<WebhookReceiverStatus, Schema.WebhookReceiver>,
  Conforms<{ items: WebhookReceiverStatus[] }, Schema.WebhookReceiverList>,
  // And the other way for what the schema says the server sends, where the client relies on every field.
  Conforms<Schema.ProjectSummary, ProjectSummary>,
  Conforms<Schema.StageHistory, { items: StageHistoryEntry[] }>,
  Conforms<Schema.StageHealth, StageHealth>,
  Conforms<Schema.StageVerification, StageVerification>,
];

describe('client types and the OpenAPI schema', () => {
  it('are checked by the type checker', () => {
    const checked: Checked | undefined = undefined;
    expect(checked).toBeUndefined();
  });
});
