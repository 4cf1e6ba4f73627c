/** @type {import('jest').Config} */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  clearMocks: true,
  restoreMocks: true,
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/shared/**/*.test.ts',
        '<rootDir>/services/**/*.test.ts',
        '<rootDir>/domain/**/*.test.ts',
        '<rootDir>/scripts/**/*.test.ts',
        '<rootDir>/test/support/**/*.test.ts',
        '<rootDir>/test/boundaries/**/*.test.ts',
        '<rootDir>/bench/**/*.test.ts',
      ],
      // Fails any unit test that tries to reach a host other than loopback (see loopback-only.ts).
      setupFilesAfterEnv: ['<rootDir>/test/support/unit-test-setup.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
