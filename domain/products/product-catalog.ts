import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const productSchema = z.object({
  sku: z.string().regex(/^[A-Z0-9-]{1,32}$/, 'must be 1-32 upper-case letters, digits or -'),
  name: z.string().min(1).max(200),
  priceCents: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  stock: z.number().int().nonnegative(),
  createdAt: z.iso.date(),
  /** Position in the merchandised ("featured") order: 1 comes first. */
  featuredRank: z.number().int().positive(),
});

const catalogFileSchema = z.object({ products: z.array(productSchema).min(1) });

export type Product = Readonly<z.infer<typeof productSchema>>;

export interface ProductCatalog {
  /** Every product, in file order. */
  readonly products: readonly Product[];
  bySku(sku: string): Product | undefined;
}

export function createProductCatalog(products: readonly Product[]): ProductCatalog {
  const index = new Map<string, Product>();
  for (const product of products) {
    if (index.has(product.sku)) throw new Error(`duplicate sku ${product.sku}`);
    index.set(product.sku, Object.freeze({ ...product }));
  }
  const frozen = Object.freeze([...index.values()]);
  return { products: frozen, bySku: (sku) => index.get(sku) };
}

/** Reads and validates the product data file once, at start-up; a bad file names itself and the problem. */
export async function loadProductCatalog(file: string): Promise<ProductCatalog> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `Cannot read product data ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const result = catalogFileSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid product data ${file}: ${problems}`);
  }
  try {
    return createProductCatalog(result.data.products);
  } catch (error) {
    throw new Error(`Invalid product data ${file}: ${(error as Error).message}`);
  }
}
