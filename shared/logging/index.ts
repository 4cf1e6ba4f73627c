export { createLogger, flushLogger, type Logger, type LoggerOptions } from './create-logger';
export { launchDarklyLogger, type SdkProblemListener } from './launchdarkly-logger';
export { createRequestScope, type RequestScope } from './request-scope';
export { createWarnOnce } from './warn-once';
export { LOG_LEVELS, logConfig, type LogConfig, type LogFormat, type LogLevel } from './log-config';
