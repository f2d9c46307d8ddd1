/** Resolves once `ready()` is true, checking after every event-loop turn; rejects after `ms`. */
export function waitFor(ready: () => boolean, what: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearImmediate(poll);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    let poll: NodeJS.Immediate;
    const check = () => {
      if (ready()) {
        clearTimeout(deadline);
        resolve();
      } else {
        poll = setImmediate(check);
      }
    };
    poll = setImmediate(check);
  });
}
