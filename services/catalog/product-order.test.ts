import type { Product } from '../../domain/products';
import { DEFAULT_SORT_ORDER, SORT_ORDERS, isSortOrder, orderProducts } from './product-order';
import { sortableProduct as product } from '../../test/support/test-products';

// File order differs from every sort order, so a test cannot pass by leaving the input as it is.
const PRODUCTS: readonly Product[] = [
  product('LAMP', 3900, '2026-09-01', 3),
  product('DESK', 59900, '2025-06-01', 1),
  product('CABLE', 1500, '2026-01-15', 4),
  product('CHAIR', 45900, '2024-03-03', 2),
];

const skus = (products: readonly Product[]) => products.map((p) => p.sku);

describe('orderProducts', () => {
  it('featured puts the lowest featuredRank first', () => {
    expect(skus(orderProducts(PRODUCTS, 'featured', 100))).toEqual(['DESK', 'CHAIR', 'LAMP', 'CABLE']);
  });

  it('price-asc puts the cheapest first', () => {
    expect(skus(orderProducts(PRODUCTS, 'price-asc', 100))).toEqual(['CABLE', 'LAMP', 'CHAIR', 'DESK']);
  });

  it('newest puts the latest createdAt first', () => {
    expect(skus(orderProducts(PRODUCTS, 'newest', 100))).toEqual(['LAMP', 'CABLE', 'DESK', 'CHAIR']);
  });

  it.each(SORT_ORDERS)('%s breaks ties by sku, whatever the file order', (order) => {
    const tied = [
      product('B-2', 1000, '2026-01-01', 1),
      product('C-3', 1000, '2026-01-01', 1),
      product('A-1', 1000, '2026-01-01', 1),
    ];
    expect(skus(orderProducts(tied, order, 100))).toEqual(['A-1', 'B-2', 'C-3']);
    expect(skus(orderProducts([...tied].reverse(), order, 100))).toEqual(['A-1', 'B-2', 'C-3']);
  });

  it('returns only the first `limit` products, after ordering', () => {
    expect(skus(orderProducts(PRODUCTS, 'price-asc', 2))).toEqual(['CABLE', 'LAMP']);
    expect(orderProducts(PRODUCTS, 'featured', 100)).toHaveLength(PRODUCTS.length);
  });

  it('leaves the input array as it was', () => {
    const input = [...PRODUCTS];
    orderProducts(input, 'price-asc', 100);
    expect(input).toEqual(PRODUCTS);
  });
});

describe('isSortOrder', () => {
  it.each(['featured', 'price-asc', 'newest'])('accepts %s', (value) => {
    expect(isSortOrder(value)).toBe(true);
  });

  it.each(['', 'Featured', 'price-desc', 'alphabetical', ' newest'])('rejects %j', (value) => {
    expect(isSortOrder(value)).toBe(false);
  });

  it('defaults to featured', () => {
    expect(DEFAULT_SORT_ORDER).toBe('featured');
  });
});
