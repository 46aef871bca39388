export { CreateFreightDialog } from './CreateFreightDialog';
export type { CreateFreightDialogProps } from './CreateFreightDialog';
