export {
  createProductCatalog,
  loadProductCatalog,
  type Product,
  type ProductCatalog,
} from './product-catalog';
export { PRODUCTS_FILE } from './products-file';
