import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type Product } from "../../bindings";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { ProductForm } from "./ProductForm";
import { inventoryKeys } from "./queryKeys";

type Props = {
  /** Product id to edit, or null to create a new product. */
  productId: string | null;
  onClose: () => void;
  onSaved: (product: Product) => void;
  onDeleted: (product: Product) => void;
  onDuplicated?: (copy: Product) => void;
  onDirtyChange?: (dirty: boolean) => void;
  /** Opens the Vinted jobs area (from the toast after a publish). */
  onOpenJobs?: () => void;
};

export function ProductEditor({ productId, ...formProps }: Props) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: inventoryKeys.detail(productId),
    queryFn: async () => unwrap(await commands.getProduct(productId as string)),
    enabled: productId !== null,
    // The form copies the product once; do not refetch behind the user's back.
    staleTime: Infinity,
    refetchOnMount: "always",
  });

  if (productId === null) return <ProductForm key="new" product={null} {...formProps} />;

  if (query.isPending) {
    return (
      <p className="state-message" role="status" data-testid="product-loading">
        <span className="spinner" aria-hidden="true" /> {t("form.loading")}
      </p>
    );
  }

  if (query.isError) {
    const error = normalizeAppError(query.error);
    return (
      <div className="banner banner-error" role="alert" data-testid="product-load-error">
        <p>
          <strong>{t("form.loadError")}</strong> {t(`errors.${error.code}`)}
        </p>
        <div className="banner-actions">
          <button type="button" className="btn" onClick={formProps.onClose}>
            {t("form.back")}
          </button>
          {error.code !== "notFound" && (
            <button type="button" className="btn" onClick={() => void query.refetch()}>
              {t("errors.retry")}
            </button>
          )}
        </div>
      </div>
    );
  }

  return <ProductForm key={query.data.id} product={query.data} {...formProps} />;
}
