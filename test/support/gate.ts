// A gate that holds work until the test lets it go: slow answers without timing anything.
/** `hold()` closes the gate; `wait()` (called by the held work) resolves once `release()` opens it. */
export function gate(): { hold(): void; release(): void; wait(): Promise<void> } {
  let release: () => void = () => undefined;
  let held: Promise<void> | null = null;
  return {
    hold() {
      held = new Promise((r) => {
        release = r;
      });
    },
    release: () => release(),
    async wait() {
      const h = held;
      held = null;
      if (h) await h;
    },
  };
}
