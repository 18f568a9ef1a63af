export { DiscardDialog } from "./DiscardDialog";
export { EnumSelect } from "./EnumSelect";
export { Field, FieldError, describedBy, type FieldControlProps } from "./Field";
export { useDirtyGuard, type DirtyGuard } from "./useDirtyGuard";
export { useFocusFirstInvalid } from "./useFocusFirstInvalid";
export { reportSaveError, useFormBanner, useSaveMutation, type SaveMutation, type SaveOutcome } from "./useSaveMutation";
