// PostGraphile 5 calls Promise.withResolvers, which Node 22 has and this
// machine's Node 20 lacks: preloaded with NODE_OPTIONS=--require by
// benches/peer.sh. The same contract: a promise and the two functions that
// settle it.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
