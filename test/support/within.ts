/** The outcome of `work`, or 'still waiting' once `ms` have passed: bounds a test, not a speed. */
export function within<T>(work: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((r) => {
    timer = setTimeout(() => r('still waiting'), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
