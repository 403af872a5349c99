/**
 * Runtime polyfills for Node 20 (the Lambda target is Node 22, which has them natively).
 * `aws-local-stepfunctions@3` uses `Promise.withResolvers` (ES2024).
 */
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
