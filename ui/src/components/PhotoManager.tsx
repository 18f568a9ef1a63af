import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands } from "../bindings";
import { type Photo, toPhoto } from "../lib/photos";
import { normalizeAppError } from "../lib/errors";
import { isImageFile, readFileAsBase64 } from "../lib/files";
import { moveItem, moveLeft, moveRight, removeAt } from "../lib/reorder";

type FileError = { id: number; file: string; message: string };

type Props = {
  /** DOM id and data-testid of the file input. */
  inputId: string;
  photos: Photo[];
  setPhotos: (update: (prev: Photo[]) => Photo[]) => void;
  uploading: number;
  setUploading: (update: (prev: number) => number) => void;
  describedBy?: string;
  invalid?: boolean;
};

function hasFiles(e: React.DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes("Files");
}

export function PhotoManager({ inputId, photos, setPhotos, uploading, setUploading, describedBy, invalid }: Props) {
  const { t } = useTranslation();
  const [fileErrors, setFileErrors] = useState<FileError[]>([]);
  const [dropActive, setDropActive] = useState(false);
  const [dragIndex, setDragIndex] = useState<number | null>(null);
  const [overIndex, setOverIndex] = useState<number | null>(null);
  const nextErrorId = useRef(1);

  function addError(file: string, message: string) {
    const id = nextErrorId.current++;
    setFileErrors((list) => [...list, { id, file, message }]);
  }

  async function importFiles(fileList: FileList | File[]) {
    const files = Array.from(fileList);
    const images = files.filter((f) => {
      if (isImageFile(f)) return true;
      addError(f.name, t("photos.notImage"));
      return false;
    });
    if (images.length === 0) return;
    setUploading((n) => n + images.length);
    // Sequential on purpose: keeps the chosen order and memory use low.
    for (const file of images) {
      try {
        let base64: string;
        try {
          base64 = await readFileAsBase64(file);
        } catch {
          addError(file.name, t("photos.readFailed"));
          continue;
        }
        try {
          const result = await commands.importPhoto(file.name, base64);
          if (result.status === "ok") {
            const photo = toPhoto(result.data);
            setPhotos((prev) => [...prev, photo]);
          } else {
            addError(file.name, t(`errors.${normalizeAppError(result.error).code}`));
          }
        } catch (e) {
          addError(file.name, t(`errors.${normalizeAppError(e).code}`));
        }
      } finally {
        setUploading((n) => n - 1);
      }
    }
  }

  function onInputChange(e: React.ChangeEvent<HTMLInputElement>) {
    const files = e.target.files ? Array.from(e.target.files) : [];
    e.target.value = ""; // allow choosing the same file again
    if (files.length > 0) void importFiles(files);
  }

  // Drop zone: only reacts to files coming from outside (not to photo reordering).
  function onZoneDragOver(e: React.DragEvent) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    if (!dropActive) setDropActive(true);
  }
  function onZoneDragLeave(e: React.DragEvent) {
    if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
    setDropActive(false);
  }
  function onZoneDrop(e: React.DragEvent) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    setDropActive(false);
    if (e.dataTransfer.files.length > 0) void importFiles(e.dataTransfer.files);
  }

  // Reordering by drag and drop.
  function onThumbDragStart(e: React.DragEvent, index: number) {
    setDragIndex(index);
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", photos[index].file);
  }
  function onThumbDragOver(e: React.DragEvent, index: number) {
    if (dragIndex === null) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (overIndex !== index) setOverIndex(index);
  }
  function onThumbDrop(e: React.DragEvent, index: number) {
    if (dragIndex === null) return;
    e.preventDefault();
    e.stopPropagation();
    const from = dragIndex;
    setPhotos((prev) => moveItem(prev, from, index));
    setDragIndex(null);
    setOverIndex(null);
  }
  function onThumbDragEnd() {
    setDragIndex(null);
    setOverIndex(null);
  }

  function focusAfterMove(file: string, direction: "left" | "right") {
    // Keep keyboard focus on the same photo's button after it moved.
    requestAnimationFrame(() => {
      const li = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="photo-thumb"]')).find(
        (el) => el.getAttribute("data-file") === file,
      );
      const btn = li?.querySelector<HTMLButtonElement>(`[data-testid="photo-${direction}"]:not([disabled])`) ??
        li?.querySelector<HTMLButtonElement>("button:not([disabled])");
      btn?.focus();
    });
  }

  return (
    <div
      className={`photo-zone${dropActive ? " is-drop-active" : ""}${invalid ? " is-invalid" : ""}`}
      data-testid="photos"
      onDragOver={onZoneDragOver}
      onDragLeave={onZoneDragLeave}
      onDrop={onZoneDrop}
    >
      <div className="photo-picker">
        <label htmlFor={inputId} className="photo-picker-label">
          {t("photos.add")}
        </label>
        <input
          id={inputId}
          data-testid={inputId}
          type="file"
          accept="image/*"
          multiple
          className="photo-input"
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={onInputChange}
        />
        <p className="hint">{dropActive ? t("photos.dropActive") : t("photos.dropHint")}</p>
      </div>

      {uploading > 0 && (
        <p className="photo-progress" role="status" data-testid="photo-progress">
          <span className="spinner" aria-hidden="true" />
          {t("photos.importing", { count: uploading })}
        </p>
      )}

      {fileErrors.length > 0 && (
        <div className="photo-errors" role="alert" data-testid="photo-errors">
          <ul>
            {fileErrors.map((err) => (
              <li key={err.id} data-testid="photo-error">
                {t("photos.fileError", { file: err.file, message: err.message })}
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-small" onClick={() => setFileErrors([])}>
            {t("photos.dismissErrors")}
          </button>
        </div>
      )}

      {photos.length > 0 && (
        <ol className="photo-list" aria-label={t("photos.listLabel")}>
          {photos.map((photo, i) => {
            const index = i + 1;
            const classes = ["photo-thumb"];
            if (dragIndex === i) classes.push("is-dragging");
            if (overIndex === i && dragIndex !== i) classes.push("is-drop-target");
            return (
              <li
                key={photo.file}
                className={classes.join(" ")}
                data-testid="photo-thumb"
                data-file={photo.file}
                draggable
                onDragStart={(e) => onThumbDragStart(e, i)}
                onDragOver={(e) => onThumbDragOver(e, i)}
                onDrop={(e) => onThumbDrop(e, i)}
                onDragEnd={onThumbDragEnd}
              >
                <img src={photo.url} alt={t("photos.alt", { index })} draggable={false} />
                {i === 0 && <span className="photo-cover">{t("photos.cover")}</span>}
                <div className="photo-actions">
                  <button
                    type="button"
                    className="icon-btn"
                    data-testid="photo-left"
                    aria-label={t("photos.moveLeft", { index })}
                    title={t("photos.moveLeft", { index })}
                    disabled={i === 0}
                    onClick={() => {
                      setPhotos((prev) => moveLeft(prev, i));
                      focusAfterMove(photo.file, "left");
                    }}
                  >
                    ←
                  </button>
                  <button
                    type="button"
                    className="icon-btn"
                    data-testid="photo-right"
                    aria-label={t("photos.moveRight", { index })}
                    title={t("photos.moveRight", { index })}
                    disabled={i === photos.length - 1}
                    onClick={() => {
                      setPhotos((prev) => moveRight(prev, i));
                      focusAfterMove(photo.file, "right");
                    }}
                  >
                    →
                  </button>
                  <button
                    type="button"
                    className="icon-btn icon-btn-danger"
                    data-testid="photo-remove"
                    aria-label={t("photos.remove", { index })}
                    title={t("photos.remove", { index })}
                    onClick={() => setPhotos((prev) => removeAt(prev, i))}
                  >
                    ×
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
