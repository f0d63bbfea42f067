/** One of our node:cluster IPC messages: an object whose `type` names it (prom-client sends its own too). */
export function isIpcMessage<T extends { readonly type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
