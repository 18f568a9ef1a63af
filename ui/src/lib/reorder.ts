/** Returns a new array with the item at `from` moved to index `to` (clamped). */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  const result = items.slice();
  if (from < 0 || from >= items.length) return result;
  const target = Math.max(0, Math.min(items.length - 1, to));
  if (target === from) return result;
  const [item] = result.splice(from, 1);
  result.splice(target, 0, item);
  return result;
}

export function moveLeft<T>(items: readonly T[], index: number): T[] {
  return moveItem(items, index, index - 1);
}

export function moveRight<T>(items: readonly T[], index: number): T[] {
  return moveItem(items, index, index + 1);
}

/** Returns a new array without the item at `index`. */
export function removeAt<T>(items: readonly T[], index: number): T[] {
  return items.filter((_, i) => i !== index);
}
