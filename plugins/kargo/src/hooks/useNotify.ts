import { useCallback } from 'react';
import {
  alertApiRef,
  toastApiRef,
  useApiHolder,
} from '@backstage/frontend-plugin-api';

/**
 * Confirms a finished action with a short-lived toast. Apps on the new frontend system have the ToastApi;
 * legacy apps only the (deprecated) AlertApi, used then. Errors are not posted here: they stay inline.
 */
export function useNotify(): (
  message: string,
  status: 'success' | 'info',
) => void {
  const apis = useApiHolder();
  return useCallback(
    (message, status) => {
      const toastApi = apis.get(toastApiRef);
      if (toastApi) {
        toastApi.post({ title: message, status, timeout: 5000 });
        return;
      }
      apis
        .get(alertApiRef)
        ?.post({ message, severity: status, display: 'transient' });
    },
    [apis],
  );
}
