import { AppError } from '../../shared/errors';
import { createProductCatalog } from '../../domain/products';
import { FLAT_SHIPPING_CENTS, priceQuote, type QuoteTerms } from './quote';
import { pricedProduct as product } from '../../test/support/test-products';

const catalog = createProductCatalog([
  product('PEN', 335),
  product('BOOK', 1999),
  product('FREEBIE', 0),
  product('MUG-EU', 1200, 'EUR'),
  product('CUP-EU', 800, 'EUR'),
]);

const NO_DISCOUNT: QuoteTerms = { discountPercent: 0, freeShipping: false };

function thrownBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('priceQuote', () => {
  it('prices each line from the catalog and adds flat shipping', () => {
    const quote = priceQuote(
      [
        { sku: 'BOOK', quantity: 2 },
        { sku: 'PEN', quantity: 1 },
      ],
      catalog,
      NO_DISCOUNT,
    );

    expect(quote).toEqual({
      currency: 'USD',
      lines: [
        { sku: 'BOOK', name: 'Product BOOK', quantity: 2, unitPriceCents: 1999, lineTotalCents: 3998 },
        { sku: 'PEN', name: 'Product PEN', quantity: 1, unitPriceCents: 335, lineTotalCents: 335 },
      ],
      subtotalCents: 4333,
      discountPercent: 0,
      discountCents: 0,
      shippingCents: FLAT_SHIPPING_CENTS,
      freeShipping: false,
      totalCents: 4333 + 499,
    });
  });

  it('flat shipping is 499 cents', () => {
    expect(FLAT_SHIPPING_CENTS).toBe(499);
  });

  it('free shipping makes shipping 0 and says so', () => {
    const quote = priceQuote([{ sku: 'BOOK', quantity: 1 }], catalog, {
      discountPercent: 0,
      freeShipping: true,
    });

    expect(quote).toMatchObject({ shippingCents: 0, freeShipping: true, totalCents: 1999 });
  });

  it.each([
    // [subtotal from PEN x quantity, percent, expected discount]
    [3, 10, 101], // 1005 * 10% = 100.5 -> 101 (half rounds up)
    [3, 50, 503], // 1005 * 50% = 502.5 -> 503
    [1, 50, 168], // 335 * 50% = 167.5 -> 168
    [3, 30, 302], // 1005 * 30% = 301.5 -> 302
    [1, 10, 34], // 335 * 10% = 33.5 -> 34
    [2, 10, 67], // 670 * 10% = 67 exactly
    [1, 1, 3], // 335 * 1% = 3.35 -> 3 (below half rounds down)
    [3, 0, 0],
  ])('%i PEN at %i%% off: the discount is %i cents, rounded half up', (quantity, percent, discount) => {
    const quote = priceQuote([{ sku: 'PEN', quantity }], catalog, {
      discountPercent: percent,
      freeShipping: false,
    });

    expect(quote.subtotalCents).toBe(335 * quantity);
    expect(quote.discountPercent).toBe(percent);
    expect(quote.discountCents).toBe(discount);
    expect(quote.totalCents).toBe(335 * quantity - discount + 499);
  });

  it('total is subtotal minus discount plus shipping, all in whole cents', () => {
    const quote = priceQuote(
      [
        { sku: 'BOOK', quantity: 7 },
        { sku: 'PEN', quantity: 13 },
      ],
      catalog,
      { discountPercent: 15, freeShipping: false },
    );

    expect(quote.subtotalCents).toBe(1999 * 7 + 335 * 13);
    expect(quote.totalCents).toBe(quote.subtotalCents - quote.discountCents + quote.shippingCents);
    for (const cents of [quote.subtotalCents, quote.discountCents, quote.totalCents]) {
      expect(Number.isInteger(cents)).toBe(true);
    }
  });

  it('prices a large order exactly (1000 of a product)', () => {
    const quote = priceQuote([{ sku: 'BOOK', quantity: 1000 }], catalog, NO_DISCOUNT);

    expect(quote.subtotalCents).toBe(1_999_000);
  });

  it('a free product costs nothing but shipping', () => {
    const quote = priceQuote([{ sku: 'FREEBIE', quantity: 3 }], catalog, {
      discountPercent: 50,
      freeShipping: false,
    });

    expect(quote).toMatchObject({ subtotalCents: 0, discountCents: 0, totalCents: 499 });
  });

  it('quotes in the currency of the products', () => {
    const quote = priceQuote(
      [
        { sku: 'MUG-EU', quantity: 1 },
        { sku: 'CUP-EU', quantity: 1 },
      ],
      catalog,
      NO_DISCOUNT,
    );

    expect(quote.currency).toBe('EUR');
    expect(quote.subtotalCents).toBe(2000);
  });

  it('an unknown sku is a 400 unknown_sku naming it', () => {
    const error = thrownBy(() => priceQuote([{ sku: 'NOPE', quantity: 1 }], catalog, NO_DISCOUNT));

    expect(error).toMatchObject({ status: 400, code: 'unknown_sku', message: 'Unknown sku: NOPE' });
  });

  it('a sku listed twice is a 400 duplicate_sku naming it', () => {
    const error = thrownBy(() =>
      priceQuote(
        [
          { sku: 'PEN', quantity: 1 },
          { sku: 'BOOK', quantity: 1 },
          { sku: 'PEN', quantity: 2 },
        ],
        catalog,
        NO_DISCOUNT,
      ),
    );

    expect(error).toMatchObject({
      status: 400,
      code: 'duplicate_sku',
      message: 'sku PEN appears more than once',
    });
  });

  it('products in different currencies are a 400 mixed_currency listing them', () => {
    const error = thrownBy(() =>
      priceQuote(
        [
          { sku: 'PEN', quantity: 1 },
          { sku: 'MUG-EU', quantity: 1 },
        ],
        catalog,
        NO_DISCOUNT,
      ),
    );

    expect(error).toMatchObject({ status: 400, code: 'mixed_currency' });
    expect(error.message).toBe('Items are priced in different currencies: USD, EUR');
  });
});
