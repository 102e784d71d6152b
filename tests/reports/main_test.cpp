#define BOOST_TEST_MODULE reports_tests
#include <boost/test/unit_test.hpp>
