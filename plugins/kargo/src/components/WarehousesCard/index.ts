export { WarehousesCard } from './WarehousesCard';
export type { WarehousesCardProps } from './WarehousesCard';
