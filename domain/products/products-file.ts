import type { StartupFile } from '../../shared/fleet';

/** The product data both catalog and pricing read once at start-up (`PRODUCTS_FILE`). */
export const PRODUCTS_FILE: StartupFile = Object.freeze({
  variable: 'PRODUCTS_FILE',
  defaultPath: 'data/products.json',
});
