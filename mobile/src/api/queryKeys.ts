/** Every query key in one place, so invalidation after a mutation cannot miss one. */
export const queryKeys = {
  brokerStatus: ['broker', 'status'] as const,
  strategies: ['strategies'] as const,
  strategy: (id: string) => ['strategy', id] as const,
  /** Every strategy's own queries (plan, status, orders, days), for invalidation. */
  everyStrategy: ['strategy'] as const,
  strategyStatus: (id: string) => ['strategy', id, 'status'] as const,
  strategyOrders: (id: string) => ['strategy', id, 'orders'] as const,
  strategyDays: (id: string, from: string, to: string) => ['strategy', id, 'days', from, to] as const,
  /** Every range of the strategy's days, for invalidation. */
  strategyDaysAll: (id: string) => ['strategy', id, 'days'] as const,
  pnl: (from: string, to: string) => ['pnl', from, to] as const,
  /** Every range of the account's P&L, for invalidation. */
  pnlAll: ['pnl'] as const,
  notificationList: ['notifications', 'list'] as const,
  unreadCount: ['notifications', 'unread'] as const,
  notificationPreferences: ['notifications', 'preferences'] as const,
  telegram: ['telegram'] as const,
  risk: ['account', 'risk'] as const,
  instrumentSearch: (exchange: string, q: string) => ['instruments', 'search', exchange, q] as const,
};
