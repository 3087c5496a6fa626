// A module-resolution hook for Node: @inferencesh/sdk 0.6.54 ships ES modules
// whose relative imports omit the file extension ("./http/client"), which
// only bundlers resolve. This retries such an import with ".js", then
// "/index.js", so the package runs under plain node as published.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !/^\.{1,2}\//.test(specifier)) throw err;
    try {
      return await next(specifier + '.js', context);
    } catch {
      return next(specifier + '/index.js', context);
    }
  }
}
