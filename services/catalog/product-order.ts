import type { Product } from '../../domain/products';

export const SORT_ORDERS = ['featured', 'price-asc', 'newest'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];
export const DEFAULT_SORT_ORDER: SortOrder = 'featured';

export function isSortOrder(value: string): value is SortOrder {
  return (SORT_ORDERS as readonly string[]).includes(value);
}

const comparators: Record<SortOrder, (a: Product, b: Product) => number> = {
  featured: (a, b) => a.featuredRank - b.featuredRank || a.sku.localeCompare(b.sku),
  'price-asc': (a, b) => a.priceCents - b.priceCents || a.sku.localeCompare(b.sku),
  newest: (a, b) => b.createdAt.localeCompare(a.createdAt) || a.sku.localeCompare(b.sku),
};

/** The first `limit` products in the given order; ties are broken by sku so the order is stable. */
export function orderProducts(products: readonly Product[], order: SortOrder, limit: number): Product[] {
  return [...products].sort(comparators[order]).slice(0, limit);
}
