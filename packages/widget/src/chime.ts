/**
 * The unread sound: two short sine notes through WebAudio, silent until the visitor has
 * interacted with the page (browsers block audio before that, and a page that beeps on
 * its own is rude).
 */
export function createChime(win: Window & typeof globalThis) {
  let armed = false;
  let context: AudioContext | undefined;
  const events = ['pointerdown', 'keydown', 'touchstart'] as const;
  const arm = () => {
    armed = true;
  };
  for (const event of events) win.addEventListener(event, arm, { capture: true, passive: true });

  return {
    play(): void {
      const Context =
        win.AudioContext ??
        (win as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!armed || !Context) return;
      try {
        context ??= new Context();
        const audio = context;
        void audio.resume();
        const start = audio.currentTime;
        for (const [frequency, at] of [
          [880, 0],
          [1318.5, 0.1],
        ] as const) {
          const oscillator = audio.createOscillator();
          const gain = audio.createGain();
          oscillator.type = 'sine';
          oscillator.frequency.value = frequency;
          gain.gain.setValueAtTime(0.0001, start + at);
          gain.gain.exponentialRampToValueAtTime(0.12, start + at + 0.015);
          gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.28);
          oscillator.connect(gain).connect(audio.destination);
          oscillator.start(start + at);
          oscillator.stop(start + at + 0.3);
        }
      } catch {
        // No sound is better than a broken widget.
      }
    },
    destroy(): void {
      for (const event of events) win.removeEventListener(event, arm, { capture: true });
      void context?.close().catch(() => {});
    },
  };
}
