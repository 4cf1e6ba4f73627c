import path from 'node:path';

import { findProjectRoot } from '../../shared/config';
import type { Product } from '../../domain/products';

/** A valid product for tests: `Product <sku>` in USD, with what a test cares about overridden. */
export function testProduct(sku: string, fields: Partial<Omit<Product, 'sku'>> = {}): Product {
  return {
    sku,
    name: `Product ${sku}`,
    priceCents: 1000,
    currency: 'USD',
    stock: 5,
    createdAt: '2026-01-01',
    featuredRank: 1,
    ...fields,
  };
}

/** The catalog tests' products: the fields that drive each sort order. */
export function sortableProduct(
  sku: string,
  priceCents: number,
  createdAt: string,
  featuredRank: number,
): Product {
  return testProduct(sku, { priceCents, createdAt, featuredRank });
}

/** The pricing tests' products: what a quote depends on. */
export function pricedProduct(sku: string, priceCents: number, currency = 'USD'): Product {
  return testProduct(sku, { priceCents, currency });
}

/** The repository's product data file (data/products.json). */
export const DEFAULT_PRODUCTS_FILE = path.join(findProjectRoot(__dirname), 'data', 'products.json');
