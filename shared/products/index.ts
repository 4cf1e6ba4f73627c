export {
  createProductCatalog,
  loadProductCatalog,
  type Product,
  type ProductCatalog,
} from './product-catalog';
