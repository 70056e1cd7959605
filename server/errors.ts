// One error shape for the whole API: {error: {code, message, details: [{path, message}]}}.
export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) =>
  new ApiError(400, 'invalid_input', message, details);
export const invalidField = (path: string, message: string) =>
  new ApiError(400, 'invalid_input', message, [{ path, message }]);
export const notFound = (message = '资源不存在') => new ApiError(404, 'not_found', message);
export const forbidden = (message = '无权执行此操作') => new ApiError(403, 'forbidden', message);
export const unauthorized = (message = '请先登录') => new ApiError(401, 'unauthorized', message);
export const conflict = (message: string, details: ErrorDetail[] = []) =>
  new ApiError(409, 'conflict', message, details);
