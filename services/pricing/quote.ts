import { AppError } from '../../shared/errors';
import type { ProductCatalog } from '../../domain/products';

export interface QuoteRequestItem {
  readonly sku: string;
  readonly quantity: number;
}

export interface QuoteTerms {
  /** 0-50, from the `pricing-discount-percent` flag. */
  readonly discountPercent: number;
  /** From the `pricing-free-shipping` flag. */
  readonly freeShipping: boolean;
}

export interface QuoteLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly lineTotalCents: number;
}

export interface Quote {
  readonly currency: string;
  readonly lines: readonly QuoteLine[];
  readonly subtotalCents: number;
  readonly discountPercent: number;
  readonly discountCents: number;
  readonly shippingCents: number;
  readonly freeShipping: boolean;
  readonly totalCents: number;
}

export const FLAT_SHIPPING_CENTS = 499;

/** Prices the items; everything is in integer cents, and the discount rounds half up. */
export function priceQuote(
  items: readonly QuoteRequestItem[],
  catalog: ProductCatalog,
  terms: QuoteTerms,
): Quote {
  const seen = new Set<string>();
  const lines = items.map(({ sku, quantity }): QuoteLine => {
    const product = catalog.bySku(sku);
    if (!product) throw new AppError(400, 'unknown_sku', `Unknown sku: ${sku}`);
    if (seen.has(sku)) throw new AppError(400, 'duplicate_sku', `sku ${sku} appears more than once`);
    seen.add(sku);
    return {
      sku,
      name: product.name,
      quantity,
      unitPriceCents: product.priceCents,
      lineTotalCents: product.priceCents * quantity,
    };
  });
  const currencies = new Set(lines.map((line) => catalog.bySku(line.sku)!.currency));
  if (currencies.size > 1) {
    throw new AppError(
      400,
      'mixed_currency',
      `Items are priced in different currencies: ${[...currencies].join(', ')}`,
    );
  }
  const subtotalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
  const discountCents = Math.round((subtotalCents * terms.discountPercent) / 100);
  const shippingCents = terms.freeShipping ? 0 : FLAT_SHIPPING_CENTS;
  return {
    currency: [...currencies][0]!,
    lines,
    subtotalCents,
    discountPercent: terms.discountPercent,
    discountCents,
    shippingCents,
    freeShipping: terms.freeShipping,
    totalCents: subtotalCents - discountCents + shippingCents,
  };
}
