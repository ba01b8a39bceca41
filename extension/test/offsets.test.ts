import { describe, expect, it } from "vitest";
import { codePointOffset, cursorSnapshot, sentenceAround, tokenAt, utf16Offset } from "../src/offsets";

describe("offsets between VS Code (UTF-16) and the protocol (code points)", () => {
  const text = "a 🙂 b 𝔘x";

  it("counts an emoji (two UTF-16 units) as one code point", () => {
    expect(codePointOffset(text, 2)).toBe(2);
    expect(codePointOffset(text, 4)).toBe(3); // after the emoji
    expect(codePointOffset(text, text.length)).toBe([...text].length);
  });

  it("round-trips every code-point boundary", () => {
    for (let points = 0; points <= [...text].length; points++) {
      expect(codePointOffset(text, utf16Offset(text, points))).toBe(points);
    }
  });

  it("clamps offsets past the end", () => {
    expect(utf16Offset("ab", 10)).toBe(2);
  });
});

describe("sentence around the cursor (same rule as the server)", () => {
  const text = "The cat sat. Then it ran!  A dog?\n\nNew paragraph here";

  it("finds the sentence that holds the offset", () => {
    const [start, end] = sentenceAround(text, text.indexOf("it"));
    expect(text.slice(start, end)).toBe("Then it ran!");
  });

  it("splits at a blank line", () => {
    const [start, end] = sentenceAround(text, text.indexOf("paragraph"));
    expect(text.slice(start, end)).toBe("New paragraph here");
  });

  it("gives the word under the cursor", () => {
    expect(tokenAt(text, text.indexOf("cat") + 1)).toBe("cat");
    expect(tokenAt("a  b", 2)).toBe(null);
  });

  it("builds the protocol's cursor state with code-point offsets", () => {
    const doc = "Smile 🙂 now. Next one.";
    const cursor = cursorSnapshot("file:///t.txt", doc, doc.indexOf("Next") + 2, 0, doc.indexOf("Next") + 2);
    expect(cursor.sentence).toBe("Next one.");
    expect(cursor.sentence_start).toBe([...doc.slice(0, doc.indexOf("Next"))].length);
    expect(cursor.offset - cursor.sentence_start).toBe(2);
    expect(cursor.token).toBe("Next");
  });
});
