import { convertFileSrc } from "@tauri-apps/api/core";

/** A photo in the form: its stored file name and a URL the webview can show. */
export type Photo = { file: string; url: string };

/** The app serves only its photos folder on the `photo:` scheme. */
export function photoSrc(file: string): string {
  return convertFileSrc(file, "photo");
}

export function toPhoto(file: string): Photo {
  return { file, url: photoSrc(file) };
}
