/**
 * VS Code counts UTF-16 code units; the protocol and the Python server count code points.
 * These pure functions convert between the two and find the sentence around the cursor with
 * the same rule as the server (split after . ! ? and whitespace, or at a blank line).
 */

import type { CursorState } from "./protocol/messages";

/** Code-point offset of a UTF-16 offset into `text`. */
export function codePointOffset(text: string, utf16: number): number {
  let points = 0;
  for (let i = 0; i < Math.min(utf16, text.length); i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point: count it at the high half.
    if (code >= 0xdc00 && code <= 0xdfff && i > 0) {
      const previous = text.charCodeAt(i - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) continue;
    }
    points++;
  }
  return points;
}

/** UTF-16 offset of a code-point offset into `text` (clamped to the text). */
export function utf16Offset(text: string, points: number): number {
  let i = 0;
  let seen = 0;
  while (i < text.length && seen < points) {
    const code = text.charCodeAt(i);
    i += code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
    seen++;
  }
  return i;
}

const SENTENCE_END = /(?<=[.!?])\s+|\n\s*\n/g;

/** [start, end) in UTF-16 units of the sentence that holds `offset`. */
export function sentenceAround(text: string, offset: number): [number, number] {
  let start = 0;
  let end = text.length;
  for (const match of text.matchAll(SENTENCE_END)) {
    const matchStart = match.index ?? 0;
    const matchEnd = matchStart + match[0].length;
    if (matchEnd <= offset) start = matchEnd;
    else if (matchStart >= offset) {
      end = matchStart;
      break;
    }
  }
  return [start, end];
}

const WORD = /[\p{L}\p{N}_'’-]+|[^\s\p{L}\p{N}]/gu;

/** The token under `offset` (UTF-16), or null in whitespace. */
export function tokenAt(text: string, offset: number): string | null {
  for (const match of text.matchAll(WORD)) {
    const start = match.index ?? 0;
    if (start <= offset && offset <= start + match[0].length) return match[0];
    if (start > offset) break;
  }
  return null;
}

/** The protocol's CursorState for a cursor at UTF-16 `offset` (sentence capped to keep it light). */
export function cursorSnapshot(uri: string, text: string, offset: number, line: number, character: number, maxSentence = 2000): CursorState {
  const [start, rawEnd] = sentenceAround(text, offset);
  const end = Math.min(rawEnd, start + maxSentence);
  return {
    uri,
    line,
    character,
    offset: codePointOffset(text, offset),
    token: tokenAt(text, offset),
    sentence: text.slice(start, end),
    sentence_start: codePointOffset(text, start),
  };
}
