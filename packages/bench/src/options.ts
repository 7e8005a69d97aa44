/** `--name value`, `--name=value` and bare `--flag` arguments of `npm run bench -- ...`. */
export class Options {
  private readonly values = new Map<string, string>();
  readonly positional: string[] = [];
  private readonly used = new Set<string>();

  constructor(argv: string[], isPositional: (arg: string) => boolean) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('--')) {
        this.positional.push(arg);
        continue;
      }
      const eq = arg.indexOf('=');
      if (eq > 0) {
        this.values.set(arg.slice(2, eq), arg.slice(eq + 1));
      } else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--') && !isPositional(next)) {
          this.values.set(arg.slice(2), next);
          i++;
        } else {
          this.values.set(arg.slice(2), 'true');
        }
      }
    }
  }

  number(name: string, fallback: number): number {
    this.used.add(name);
    const text = this.values.get(name);
    if (text === undefined) return fallback;
    const value = Number(text.replaceAll('_', '').replace(/k$/i, '000'));
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number, got "${text}"`);
    return value;
  }

  numbers(name: string, fallback: number[]): number[] {
    this.used.add(name);
    const text = this.values.get(name);
    if (text === undefined) return fallback;
    return text.split(',').map((part) => {
      const value = Number(part.trim().replaceAll('_', '').replace(/k$/i, '000'));
      if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: "${part}" is not a number`);
      return value;
    });
  }

  flag(name: string, fallback: boolean): boolean {
    this.used.add(name);
    const text = this.values.get(name);
    if (text === undefined) return fallback;
    return text !== 'false' && text !== '0' && text !== 'no';
  }

  /** Flags given that no scenario read. */
  unused(): string[] {
    return [...this.values.keys()].filter((name) => !this.used.has(name));
  }
}
