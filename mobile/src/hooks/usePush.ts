import { useSyncExternalStore } from 'react';

import type { PushState } from '../push/push';
import { useServices } from '../services';

/** Where this phone's push registration stands. */
export function usePushState(): PushState {
  const { push } = useServices();
  return useSyncExternalStore(push.subscribe, push.getState, push.getState);
}
